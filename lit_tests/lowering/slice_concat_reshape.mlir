// RUN: xdsl-opt -p linalg-to-rtensor %s | filecheck %s
// RUN: xdsl-opt -p 'linalg-to-rtensor,rtensor-to-dataflow' %s | filecheck %s --check-prefix=DF

// Data movement between ops: tensor.extract_slice (unit strides, same rank), tensor.concat, and
// the tensor.collapse_shape / tensor.expand_shape that propagate-reshapes could not remove.
// linalg-to-rtensor turns each into a re-layout that writes straight into the layout its reader
// wants (the consumer op's input layout, or the chip-wide spread layout for a function result):
// rtensor.slice, rtensor.concat (one source layout per input) and rtensor.reshape. A moved
// tensor whose source is itself moved (a slice of a slice) is first brought to the spread layout.
// rtensor-to-dataflow turns each into a dataflow.alloc of the destination plus
//   slice:   one exchange that crops: low = -offsets, high = offsets + sizes - source sizes;
//   concat:  one exchange per input, padded up to the whole along `dim` (low = the elements of
//            the inputs before it, high = those after it): together they fill the destination;
//   reshape: one exchange with `reshape` = the result shape (destination offsets index it).
// The small tensors here are spread one element per core (tensors of a few dozen elements on a
// 1472-core chip), so layouts read as grids of the tensor's shape.

builtin.module attributes {tf.target = "ipu-mk2"} {
  // (1) Two slices of one on-chip tensor (a fused projection split in three: columns 0..3 and
  //     4..7 of 12) added together.
  func.func @split_add(%x: tensor<8x12xf32>) -> tensor<8x4xf32> {
    %e0 = tensor.empty() : tensor<8x12xf32>
    %sq = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x12xf32>) outs(%e0 : tensor<8x12xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.mulf %in, %in : f32
      linalg.yield %m : f32
    } -> tensor<8x12xf32>
    %q = tensor.extract_slice %sq[0, 0] [8, 4] [1, 1] : tensor<8x12xf32> to tensor<8x4xf32>
    %k = tensor.extract_slice %sq[0, 4] [8, 4] [1, 1] : tensor<8x12xf32> to tensor<8x4xf32>
    %e1 = tensor.empty() : tensor<8x4xf32>
    %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%q, %k : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e1 : tensor<8x4xf32>) {
    ^bb0(%a: f32, %b: f32, %out: f32):
      %t = arith.addf %a, %b : f32
      linalg.yield %t : f32
    } -> tensor<8x4xf32>
    func.return %s : tensor<8x4xf32>
  }

  // (2) A learned token (a function argument) concatenated in front of an op's output, the
  //     whole fed to an elementwise op.
  func.func @concat_token(%cls: tensor<1x4xf32>, %x: tensor<6x4xf32>) -> tensor<7x4xf32> {
    %e0 = tensor.empty() : tensor<6x4xf32>
    %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<6x4xf32>) outs(%e0 : tensor<6x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.mulf %in, %in : f32
      linalg.yield %m : f32
    } -> tensor<6x4xf32>
    %c = tensor.concat dim(0) %cls, %y : (tensor<1x4xf32>, tensor<6x4xf32>) -> tensor<7x4xf32>
    %e1 = tensor.empty() : tensor<7x4xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c : tensor<7x4xf32>) outs(%e1 : tensor<7x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.addf %in, %in : f32
      linalg.yield %m : f32
    } -> tensor<7x4xf32>
    func.return %r : tensor<7x4xf32>
  }

  // (3) A collapse of an op's output that nothing can fold away: it is the function's result.
  func.func @collapse_result(%x: tensor<1x4x3x3xf32>) -> tensor<1x4x9xf32> {
    %e0 = tensor.empty() : tensor<1x4x3x3xf32>
    %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x3x3xf32>) outs(%e0 : tensor<1x4x3x3xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.mulf %in, %in : f32
      linalg.yield %m : f32
    } -> tensor<1x4x3x3xf32>
    %c = tensor.collapse_shape %y [[0], [1], [2, 3]] : tensor<1x4x3x3xf32> into tensor<1x4x9xf32>
    func.return %c : tensor<1x4x9xf32>
  }

  // (4) ViT's patch embedding: a stride-2 2x2 convolution, its rows x columns collapsed into
  //     tokens, transposed to tokens x channels, a learned class token concatenated in front.
  func.func @patch_embed(%img: tensor<1x3x4x4xf32>, %w: tensor<8x3x2x2xf32>, %cls: tensor<1x1x8xf32>) -> tensor<1x5x8xf32> {
    %cst = arith.constant 0.000000e+00 : f32
    %e0 = tensor.empty() : tensor<1x8x2x2xf32>
    %z = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e0 : tensor<1x8x2x2xf32>) {
    ^bb0(%out: f32):
      linalg.yield %cst : f32
    } -> tensor<1x8x2x2xf32>
    %conv = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 * 2 + d5, d3 * 2 + d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%img, %w : tensor<1x3x4x4xf32>, tensor<8x3x2x2xf32>) outs(%z : tensor<1x8x2x2xf32>) {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<1x8x2x2xf32>
    %flat = tensor.collapse_shape %conv [[0], [1], [2, 3]] : tensor<1x8x2x2xf32> into tensor<1x8x4xf32>
    %e1 = tensor.empty() : tensor<1x4x8xf32>
    %tok = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%flat : tensor<1x8x4xf32>) outs(%e1 : tensor<1x4x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x4x8xf32>
    %all = tensor.concat dim(1) %cls, %tok : (tensor<1x1x8xf32>, tensor<1x4x8xf32>) -> tensor<1x5x8xf32>
    func.return %all : tensor<1x5x8xf32>
  }

  // (5) A slice of a slice of a function argument, returned.
  func.func @slice_of_slice(%x: tensor<8x8xf32>) -> tensor<2x2xf32> {
    %a = tensor.extract_slice %x[1, 2] [6, 4] [1, 1] : tensor<8x8xf32> to tensor<6x4xf32>
    %b = tensor.extract_slice %a[1, 0] [2, 2] [1, 1] : tensor<6x4xf32> to tensor<2x2xf32>
    func.return %b : tensor<2x2xf32>
  }

  // (6) An expand_shape (tokens back into rows x columns) between two ops.
  func.func @expand_between(%x: tensor<1x4x9xf32>) -> tensor<1x4x3x3xf32> {
    %e0 = tensor.empty() : tensor<1x4x9xf32>
    %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x9xf32>) outs(%e0 : tensor<1x4x9xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.mulf %in, %in : f32
      linalg.yield %m : f32
    } -> tensor<1x4x9xf32>
    %g = tensor.expand_shape %y [[0], [1], [2, 3]] output_shape [1, 4, 3, 3] : tensor<1x4x9xf32> into tensor<1x4x3x3xf32>
    %e1 = tensor.empty() : tensor<1x4x3x3xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g : tensor<1x4x3x3xf32>) outs(%e1 : tensor<1x4x3x3xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x4x3x3xf32>
    func.return %r : tensor<1x4x3x3xf32>
  }
}

// (1) Both slices read %sq where its producer left it (one element per core on an 8x12 grid)
//     and land in the 8x4 layout the add wants; the slices take the reader's label.
// CHECK-LABEL:  func.func @split_add(%x: tensor<8x12xf32>) -> tensor<8x4xf32> {
// CHECK:          %sq = rtensor.compute plan <spatial = [8, 12], temporal = {{\[\[}}1, 1], [1, 1]]> ins(%x : tensor<8x12xf32>)
// CHECK-NOT:      = tensor.extract_slice
// CHECK:          %[[Q:.*]] = rtensor.slice %sq offsets array<i64: 0, 0> from <grid = [8, 12], axes = [0, 1], blocks = [1, 1], parts = [1, 1]> to <grid = [8, 4], axes = [0, 1], blocks = [1, 1], parts = [1, 1]> {tf.op = "elementwise5"} : tensor<8x12xf32> -> tensor<8x4xf32>{{$}}
// CHECK-NEXT:     %[[K:.*]] = rtensor.slice %sq offsets array<i64: 0, 4> from <grid = [8, 12], axes = [0, 1], blocks = [1, 1], parts = [1, 1]> to <grid = [8, 4], axes = [0, 1], blocks = [1, 1], parts = [1, 1]> {tf.op = "elementwise5"} : tensor<8x12xf32> -> tensor<8x4xf32>{{$}}
// CHECK-NEXT:     %s = rtensor.compute plan <spatial = [8, 4], temporal = {{\[\[}}1, 1], [1, 1], [1, 1]]> ins(%[[Q]], %[[K]] : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e1 : tensor<8x4xf32>)
// CHECK-NOT:      = tensor.extract_slice
// CHECK:          func.return %s : tensor<8x4xf32>

// (2) The token comes from its spread layout (a function argument, 1x4 on 4 cores), the op's
//     output from its 6x4 grid; the concat is laid out as the elementwise op reads it (7x4).
// CHECK-LABEL:  func.func @concat_token(%cls: tensor<1x4xf32>, %x: tensor<6x4xf32>) -> tensor<7x4xf32> {
// CHECK-NOT:      = tensor.concat
// CHECK:          %[[C:.*]] = rtensor.concat %cls, %y dim 0 : i64 from [#rtensor.layout<grid = [4], axes = [-1, 0], blocks = [1, 1], parts = [1, 1]>, #rtensor.layout<grid = [6, 4], axes = [0, 1], blocks = [1, 1], parts = [1, 1]>] to <grid = [7, 4], axes = [0, 1], blocks = [1, 1], parts = [1, 1]> {tf.op = "elementwise4"} : tensor<1x4xf32>, tensor<6x4xf32> -> tensor<7x4xf32>{{$}}
// CHECK-NEXT:     %r = rtensor.compute plan <spatial = [7, 4], temporal = {{\[\[}}1, 1], [1, 1]]> ins(%[[C]] : tensor<7x4xf32>) outs(%e1 : tensor<7x4xf32>)
// CHECK-NOT:      = tensor.concat
// CHECK:          func.return %r : tensor<7x4xf32>

// (3) The collapsed result goes to the spread layout of a 1x4x9 tensor (label "output").
// CHECK-LABEL:  func.func @collapse_result(%x: tensor<1x4x3x3xf32>) -> tensor<1x4x9xf32> {
// CHECK-NOT:      = tensor.collapse_shape
// CHECK:          %[[R3:.*]] = rtensor.reshape %y from <grid = [4, 3, 3], axes = [-1, 0, 1, 2], blocks = [1, 1, 1, 1], parts = [1, 1, 1, 1]> to <grid = [4, 9], axes = [-1, 0, 1], blocks = [1, 1, 1], parts = [1, 1, 1]> {tf.op = "output"} : tensor<1x4x3x3xf32> -> tensor<1x4x9xf32>{{$}}
// CHECK-NEXT:     func.return %[[R3]] : tensor<1x4x9xf32>

// (4) The conv runs on [8, 2, 2] cores (filters, output rows, output columns). The reshape
//     brings its output straight into the transpose's input layout: the 1x8x4 tensor with
//     channels (axis 1) on grid dim 1 and tokens (axis 2) on grid dim 0 of a 4x8 grid, as the
//     transpose's plan [1, 4, 8] over (batch, token, channel) reads %flat[b, c, t]. The concat
//     feeds the return: token and class token go to the spread 1x5x8 layout.
// CHECK-LABEL:  func.func @patch_embed(%img: tensor<1x3x4x4xf32>, %w: tensor<8x3x2x2xf32>, %cls: tensor<1x1x8xf32>) -> tensor<1x5x8xf32> {
// CHECK:          %conv = rtensor.compute plan <spatial = [1, 8, 2, 2, 1, 1, 1],
// CHECK-NOT:      = tensor.collapse_shape
// CHECK:          %[[FLAT:.*]] = rtensor.reshape %conv from <grid = [8, 2, 2], axes = [-1, 0, 1, 2], blocks = [1, 1, 1, 1], parts = [1, 1, 1, 1]> to <grid = [4, 8], axes = [-1, 1, 0], blocks = [1, 1, 1], parts = [1, 1, 1]> {tf.op = "elementwise6"} : tensor<1x8x2x2xf32> -> tensor<1x8x4xf32>{{$}}
// CHECK-NEXT:     %tok = rtensor.compute plan <spatial = [1, 4, 8], temporal = {{\[\[}}1, 1, 1], [1, 1, 1]]> ins(%[[FLAT]] : tensor<1x8x4xf32>) outs(%e1 : tensor<1x4x8xf32>)
// CHECK-NOT:      = tensor.concat
// CHECK:          %[[ALL:.*]] = rtensor.concat %cls, %tok dim 1 : i64 from [#rtensor.layout<grid = [8], axes = [-1, -1, 0], blocks = [1, 1, 1], parts = [1, 1, 1]>, #rtensor.layout<grid = [4, 8], axes = [-1, 0, 1], blocks = [1, 1, 1], parts = [1, 1, 1]>] to <grid = [5, 8], axes = [-1, 0, 1], blocks = [1, 1, 1], parts = [1, 1, 1]> {tf.op = "output"} : tensor<1x1x8xf32>, tensor<1x4x8xf32> -> tensor<1x5x8xf32>{{$}}
// CHECK-NEXT:     func.return %[[ALL]] : tensor<1x5x8xf32>

// (5) The inner slice is itself moved, so it goes to its spread layout (6x4) first; the outer
//     slice reads it from there.
// CHECK-LABEL:  func.func @slice_of_slice(%x: tensor<8x8xf32>) -> tensor<2x2xf32> {
// CHECK-NEXT:     %[[A5:.*]] = rtensor.slice %x offsets array<i64: 1, 2> from <grid = [8, 8], axes = [0, 1], blocks = [1, 1], parts = [1, 1]> to <grid = [6, 4], axes = [0, 1], blocks = [1, 1], parts = [1, 1]> {tf.op = "output"} : tensor<8x8xf32> -> tensor<6x4xf32>{{$}}
// CHECK-NEXT:     %[[B5:.*]] = rtensor.slice %[[A5]] offsets array<i64: 1, 0> from <grid = [6, 4], axes = [0, 1], blocks = [1, 1], parts = [1, 1]> to <grid = [2, 2], axes = [0, 1], blocks = [1, 1], parts = [1, 1]> {tf.op = "output"} : tensor<6x4xf32> -> tensor<2x2xf32>{{$}}
// CHECK-NEXT:     func.return %[[B5]] : tensor<2x2xf32>

// (6) The expanded tensor is laid out as the transpose reads it: rows on grid dim 2, columns
//     on grid dim 1.
// CHECK-LABEL:  func.func @expand_between(%x: tensor<1x4x9xf32>) -> tensor<1x4x3x3xf32> {
// CHECK-NOT:      = tensor.expand_shape
// CHECK:          %[[G6:.*]] = rtensor.reshape %y from <grid = [4, 9], axes = [-1, 0, 1], blocks = [1, 1, 1], parts = [1, 1, 1]> to <grid = [4, 3, 3], axes = [-1, 0, 2, 1], blocks = [1, 1, 1, 1], parts = [1, 1, 1, 1]> {tf.op = "elementwise4"} : tensor<1x4x9xf32> -> tensor<1x4x3x3xf32>{{$}}
// CHECK-NEXT:     %r = rtensor.compute plan <spatial = [1, 4, 3, 3], temporal = {{\[\[}}1, 1, 1, 1], [1, 1, 1, 1]]> ins(%[[G6]] : tensor<1x4x3x3xf32>) outs(%e1 : tensor<1x4x3x3xf32>)
// CHECK-NOT:      = tensor.expand_shape
// CHECK:          func.return %r : tensor<1x4x3x3xf32>

// (1) Each slice is one cropping exchange from the producer's buffer: q keeps columns 0..3
//     (low [0, 0], high [0, 4 - 12 = -8]), k columns 4..7 (low [0, -4], high [0, 8 - 12 = -4]).
//     The destination offsets index the 8x4 slice.
// DF-LABEL:  func.func @split_add(%x: tensor<8x12xf32>) -> tensor<8x4xf32> {
// DF-NOT:      rtensor.
// DF:          dataflow.free %[[IN1:.*]] : !dataflow.buffer<grid [8, 12], local [1, 1], f32>
// DF-NEXT:     %[[Q1:.*]] = dataflow.alloc {tf.op = "elementwise5"} : !dataflow.buffer<grid [8, 4], local [1, 1], f32>
// DF-NEXT:     dataflow.exchange %[[SQ1:.*]] offsets affine_map<(d0, d1) -> (d0, d1)> into %[[Q1]] offsets affine_map<(d0, d1) -> (d0, d1)> shape array<i64: 8, 12> low array<i64: 0, 0> high array<i64: 0, -8> {tf.op = "elementwise5"} : !dataflow.buffer<grid [8, 12], local [1, 1], f32> -> !dataflow.buffer<grid [8, 4], local [1, 1], f32>{{$}}
// DF-NEXT:     %[[K1:.*]] = dataflow.alloc {tf.op = "elementwise5"} : !dataflow.buffer<grid [8, 4], local [1, 1], f32>
// DF-NEXT:     dataflow.exchange %[[SQ1]] offsets affine_map<(d0, d1) -> (d0, d1)> into %[[K1]] offsets affine_map<(d0, d1) -> (d0, d1)> shape array<i64: 8, 12> low array<i64: 0, -4> high array<i64: 0, -4> {tf.op = "elementwise5"} : !dataflow.buffer<grid [8, 12], local [1, 1], f32> -> !dataflow.buffer<grid [8, 4], local [1, 1], f32>{{$}}
// DF-NEXT:     dataflow.free %[[SQ1]] : !dataflow.buffer<grid [8, 12], local [1, 1], f32>
// DF-NEXT:     %[[O1:.*]] = dataflow.alloc {tf.op = "elementwise5"} : !dataflow.buffer<grid [8, 4], local [1, 1], f32>
// DF-NEXT:     dataflow.compute ins(%[[Q1]], %[[K1]] : !dataflow.buffer<grid [8, 4], local [1, 1], f32>, !dataflow.buffer<grid [8, 4], local [1, 1], f32>) outs(%[[O1]] : !dataflow.buffer<grid [8, 4], local [1, 1], f32>) sizes array<i64: 1, 1>

// (2) The destination is allocated once and zero-filled (its blocks may reach past the tensor,
//     where a padded consumer must read zeros); the token (scattered in its spread layout) fills row 0
//     (low [0, 0], high [6, 0]) and the op's output rows 1..6 (low [1, 0], high [0, 0]).
// DF-LABEL:  func.func @concat_token(%cls: tensor<1x4xf32>, %x: tensor<6x4xf32>) -> tensor<7x4xf32> {
// DF-NOT:      rtensor.
// DF:          %[[C2:.*]] = dataflow.alloc {tf.op = "elementwise4"} : !dataflow.buffer<grid [7, 4], local [1, 1], f32>
// DF-NEXT:     dataflow.fill %[[C2]] value 0.000000e+00 : f32 {tf.op = "elementwise4"} : !dataflow.buffer<grid [7, 4], local [1, 1], f32>
// DF-NEXT:     %[[T2:.*]] = dataflow.alloc {tf.op = "elementwise4"} : !dataflow.buffer<grid [4], local [1, 1], f32>
// DF-NEXT:     dataflow.scatter %cls into %[[T2]] offsets affine_map<(d0) -> (0, d0)> {tf.op = "elementwise4"} : tensor<1x4xf32> -> !dataflow.buffer<grid [4], local [1, 1], f32>
// DF-NEXT:     dataflow.exchange %[[T2]] offsets affine_map<(d0) -> (0, d0)> into %[[C2]] offsets affine_map<(d0, d1) -> (d0, d1)> shape array<i64: 1, 4> low array<i64: 0, 0> high array<i64: 6, 0> {tf.op = "elementwise4"} : !dataflow.buffer<grid [4], local [1, 1], f32> -> !dataflow.buffer<grid [7, 4], local [1, 1], f32>{{$}}
// DF-NEXT:     dataflow.free %[[T2]] : !dataflow.buffer<grid [4], local [1, 1], f32>
// DF-NEXT:     dataflow.exchange %[[Y2:.*]] offsets affine_map<(d0, d1) -> (d0, d1)> into %[[C2]] offsets affine_map<(d0, d1) -> (d0, d1)> shape array<i64: 6, 4> low array<i64: 1, 0> high array<i64: 0, 0> {tf.op = "elementwise4"} : !dataflow.buffer<grid [6, 4], local [1, 1], f32> -> !dataflow.buffer<grid [7, 4], local [1, 1], f32>{{$}}
// DF-NEXT:     dataflow.free %[[Y2]] : !dataflow.buffer<grid [6, 4], local [1, 1], f32>
// DF-NEXT:     %[[O2:.*]] = dataflow.alloc {tf.op = "elementwise4"} : !dataflow.buffer<grid [7, 4], local [1, 1], f32>
// DF-NEXT:     dataflow.compute ins(%[[C2]] : !dataflow.buffer<grid [7, 4], local [1, 1], f32>) outs(%[[O2]] : !dataflow.buffer<grid [7, 4], local [1, 1], f32>) sizes array<i64: 1, 1>

// (3) One reshaping exchange (destination offsets index the 1x4x9 tensor), then the gather.
// DF-LABEL:  func.func @collapse_result(%x: tensor<1x4x3x3xf32>) -> tensor<1x4x9xf32> {
// DF-NOT:      rtensor.
// DF:          %[[R3:.*]] = dataflow.alloc {tf.op = "output"} : !dataflow.buffer<grid [4, 9], local [1, 1, 1], f32>
// DF-NEXT:     dataflow.exchange %[[Y3:.*]] offsets affine_map<(d0, d1, d2) -> (0, d0, d1, d2)> into %[[R3]] offsets affine_map<(d0, d1) -> (0, d0, d1)> shape array<i64: 1, 4, 3, 3> reshape array<i64: 1, 4, 9> {tf.op = "output"} : !dataflow.buffer<grid [4, 3, 3], local [1, 1, 1, 1], f32> -> !dataflow.buffer<grid [4, 9], local [1, 1, 1], f32>{{$}}
// DF-NEXT:     dataflow.free %[[Y3]] : !dataflow.buffer<grid [4, 3, 3], local [1, 1, 1, 1], f32>
// DF-NEXT:     %[[G3:.*]] = dataflow.gather %[[R3]] offsets affine_map<(d0, d1) -> (0, d0, d1)> {tf.op = "output"} : !dataflow.buffer<grid [4, 9], local [1, 1, 1], f32> -> tensor<1x4x9xf32>
// DF-NEXT:     dataflow.free %[[R3]] : !dataflow.buffer<grid [4, 9], local [1, 1, 1], f32>
// DF-NEXT:     func.return %[[G3]] : tensor<1x4x9xf32>

// (4) The conv's output buffer is reshaped into the transpose's input (core (t, c) holds
//     %flat[0, c, t]: offsets (0, d1, d0)); the concat fills row 0 of the tokens axis with the
//     class token (high [0, 4, 0]) and rows 1..4 with the transposed tokens (low [0, 1, 0]).
// DF-LABEL:  func.func @patch_embed(%img: tensor<1x3x4x4xf32>, %w: tensor<8x3x2x2xf32>, %cls: tensor<1x1x8xf32>) -> tensor<1x5x8xf32> {
// DF-NOT:      rtensor.
// DF:          %[[F4:.*]] = dataflow.alloc {tf.op = "elementwise6"} : !dataflow.buffer<grid [4, 8], local [1, 1, 1], f32>
// DF-NEXT:     dataflow.exchange %[[CONV4:.*]] offsets affine_map<(d0, d1, d2) -> (0, d0, d1, d2)> into %[[F4]] offsets affine_map<(d0, d1) -> (0, d1, d0)> shape array<i64: 1, 8, 2, 2> reshape array<i64: 1, 8, 4> {tf.op = "elementwise6"} : !dataflow.buffer<grid [8, 2, 2], local [1, 1, 1, 1], f32> -> !dataflow.buffer<grid [4, 8], local [1, 1, 1], f32>{{$}}
// DF-NEXT:     dataflow.free %[[CONV4]] : !dataflow.buffer<grid [8, 2, 2], local [1, 1, 1, 1], f32>
// DF-NEXT:     %[[TOK4:.*]] = dataflow.alloc {tf.op = "elementwise6"} : !dataflow.buffer<grid [4, 8], local [1, 1, 1], f32>
// DF-NEXT:     dataflow.compute ins(%[[F4]] : !dataflow.buffer<grid [4, 8], local [1, 1, 1], f32>) outs(%[[TOK4]] : !dataflow.buffer<grid [4, 8], local [1, 1, 1], f32>) sizes array<i64: 1, 1, 1>
// DF:          %[[ALL4:.*]] = dataflow.alloc {tf.op = "output"} : !dataflow.buffer<grid [5, 8], local [1, 1, 1], f32>
// DF-NEXT:     dataflow.fill %[[ALL4]] value 0.000000e+00 : f32 {tf.op = "output"} : !dataflow.buffer<grid [5, 8], local [1, 1, 1], f32>
// DF-NEXT:     %[[CLS4:.*]] = dataflow.alloc {tf.op = "output"} : !dataflow.buffer<grid [8], local [1, 1, 1], f32>
// DF-NEXT:     dataflow.scatter %cls into %[[CLS4]] offsets affine_map<(d0) -> (0, 0, d0)> {tf.op = "output"} : tensor<1x1x8xf32> -> !dataflow.buffer<grid [8], local [1, 1, 1], f32>
// DF-NEXT:     dataflow.exchange %[[CLS4]] offsets affine_map<(d0) -> (0, 0, d0)> into %[[ALL4]] offsets affine_map<(d0, d1) -> (0, d0, d1)> shape array<i64: 1, 1, 8> low array<i64: 0, 0, 0> high array<i64: 0, 4, 0> {tf.op = "output"} : !dataflow.buffer<grid [8], local [1, 1, 1], f32> -> !dataflow.buffer<grid [5, 8], local [1, 1, 1], f32>{{$}}
// DF-NEXT:     dataflow.free %[[CLS4]] : !dataflow.buffer<grid [8], local [1, 1, 1], f32>
// DF-NEXT:     dataflow.exchange %[[TOK4]] offsets affine_map<(d0, d1) -> (0, d0, d1)> into %[[ALL4]] offsets affine_map<(d0, d1) -> (0, d0, d1)> shape array<i64: 1, 4, 8> low array<i64: 0, 1, 0> high array<i64: 0, 0, 0> {tf.op = "output"} : !dataflow.buffer<grid [4, 8], local [1, 1, 1], f32> -> !dataflow.buffer<grid [5, 8], local [1, 1, 1], f32>{{$}}
// DF-NEXT:     dataflow.free %[[TOK4]] : !dataflow.buffer<grid [4, 8], local [1, 1, 1], f32>
// DF-NEXT:     %[[OUT4:.*]] = dataflow.gather %[[ALL4]] offsets affine_map<(d0, d1) -> (0, d0, d1)> {tf.op = "output"} : !dataflow.buffer<grid [5, 8], local [1, 1, 1], f32> -> tensor<1x5x8xf32>

// (5) Two crops in a row: rows 1..6 and columns 2..5 of x (low [-1, -2], high [1 + 6 - 8,
//     2 + 4 - 8] = [-1, -2]), then rows 1..2 and columns 0..1 of that (low [-1, 0],
//     high [1 + 2 - 6, 0 + 2 - 4] = [-3, -2]).
// DF-LABEL:  func.func @slice_of_slice(%x: tensor<8x8xf32>) -> tensor<2x2xf32> {
// DF-NEXT:     %[[X5:.*]] = dataflow.alloc {tf.op = "output"} : !dataflow.buffer<grid [8, 8], local [1, 1], f32>
// DF-NEXT:     dataflow.scatter %x into %[[X5]] offsets affine_map<(d0, d1) -> (d0, d1)> {tf.op = "output"} : tensor<8x8xf32> -> !dataflow.buffer<grid [8, 8], local [1, 1], f32>
// DF-NEXT:     %[[A5:.*]] = dataflow.alloc {tf.op = "output"} : !dataflow.buffer<grid [6, 4], local [1, 1], f32>
// DF-NEXT:     dataflow.exchange %[[X5]] offsets affine_map<(d0, d1) -> (d0, d1)> into %[[A5]] offsets affine_map<(d0, d1) -> (d0, d1)> shape array<i64: 8, 8> low array<i64: -1, -2> high array<i64: -1, -2> {tf.op = "output"} : !dataflow.buffer<grid [8, 8], local [1, 1], f32> -> !dataflow.buffer<grid [6, 4], local [1, 1], f32>{{$}}
// DF-NEXT:     dataflow.free %[[X5]] : !dataflow.buffer<grid [8, 8], local [1, 1], f32>
// DF-NEXT:     %[[B5:.*]] = dataflow.alloc {tf.op = "output"} : !dataflow.buffer<grid [2, 2], local [1, 1], f32>
// DF-NEXT:     dataflow.exchange %[[A5]] offsets affine_map<(d0, d1) -> (d0, d1)> into %[[B5]] offsets affine_map<(d0, d1) -> (d0, d1)> shape array<i64: 6, 4> low array<i64: -1, 0> high array<i64: -3, -2> {tf.op = "output"} : !dataflow.buffer<grid [6, 4], local [1, 1], f32> -> !dataflow.buffer<grid [2, 2], local [1, 1], f32>{{$}}
// DF-NEXT:     dataflow.free %[[A5]] : !dataflow.buffer<grid [6, 4], local [1, 1], f32>
// DF-NEXT:     %[[G5:.*]] = dataflow.gather %[[B5]] offsets affine_map<(d0, d1) -> (d0, d1)> {tf.op = "output"} : !dataflow.buffer<grid [2, 2], local [1, 1], f32> -> tensor<2x2xf32>
// DF-NEXT:     dataflow.free %[[B5]] : !dataflow.buffer<grid [2, 2], local [1, 1], f32>
// DF-NEXT:     func.return %[[G5]] : tensor<2x2xf32>

// (6) The destination offsets (0, d0, d2, d1) index the expanded 1x4x3x3 tensor.
// DF-LABEL:  func.func @expand_between(%x: tensor<1x4x9xf32>) -> tensor<1x4x3x3xf32> {
// DF-NOT:      rtensor.
// DF:          %[[G6:.*]] = dataflow.alloc {tf.op = "elementwise4"} : !dataflow.buffer<grid [4, 3, 3], local [1, 1, 1, 1], f32>
// DF-NEXT:     dataflow.exchange %[[Y6:.*]] offsets affine_map<(d0, d1) -> (0, d0, d1)> into %[[G6]] offsets affine_map<(d0, d1, d2) -> (0, d0, d2, d1)> shape array<i64: 1, 4, 9> reshape array<i64: 1, 4, 3, 3> {tf.op = "elementwise4"} : !dataflow.buffer<grid [4, 9], local [1, 1, 1], f32> -> !dataflow.buffer<grid [4, 3, 3], local [1, 1, 1, 1], f32>{{$}}
// DF-NEXT:     dataflow.free %[[Y6]] : !dataflow.buffer<grid [4, 9], local [1, 1, 1], f32>
// DF-NEXT:     %[[R6:.*]] = dataflow.alloc {tf.op = "elementwise4"} : !dataflow.buffer<grid [4, 3, 3], local [1, 1, 1, 1], f32>
// DF-NEXT:     dataflow.compute ins(%[[G6]] : !dataflow.buffer<grid [4, 3, 3], local [1, 1, 1, 1], f32>) outs(%[[R6]] : !dataflow.buffer<grid [4, 3, 3], local [1, 1, 1, 1], f32>) sizes array<i64: 1, 1, 1, 1>
// DF-NOT:      rtensor.
