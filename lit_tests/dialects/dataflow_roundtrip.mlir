// RUN: xdsl-opt %s | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s --print-op-generic | xdsl-opt | filecheck %s

// Round-trip of every dataflow op and of the buffer type (custom and generic forms).

builtin.module attributes {tf.target = "ipu-mk2"} {
  // C[8x8] = A[8x16] * W[16x8] on a 2x2 grid: A split by rows/k, W by k/cols; the inner
  // repeat walks k one column at a time (offset s0 * 4 + s1 over both enclosing counters),
  // rotating W around the ring of grid dim 0; the partial sums are all-reduced over grid
  // dim 1, re-laid out onto a 1-D grid of 4 cores, and gathered.
// CHECK:      builtin.module attributes {tf.target = "ipu-mk2"} {
// CHECK-NEXT:   func.func @matmul(%a: tensor<8x16xf32>, %w: tensor<16x8xf32>) -> tensor<8x8xf32> {
// CHECK-NEXT:     %ba = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>{{$}}
// CHECK-NEXT:     %bw = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [8, 4], f32>{{$}}
// CHECK-NEXT:     %bc = dataflow.alloc {tf.op = "matmul"} : !dataflow.buffer<grid [2, 2], local [4, 4], f32>{{$}}
// CHECK-NEXT:     %bt = dataflow.alloc : !dataflow.buffer<grid [4], local [8, 2], f32>{{$}}
// CHECK-NEXT:     dataflow.scatter %a into %ba offsets affine_map<(d0, d1) -> ((d0 * 4), (d1 * 8))> : tensor<8x16xf32> -> !dataflow.buffer<grid [2, 2], local [4, 8], f32>{{$}}
// CHECK-NEXT:     dataflow.scatter %w into %bw offsets affine_map<(d0, d1) -> ((d1 * 8), (d0 * 4))> : tensor<16x8xf32> -> !dataflow.buffer<grid [2, 2], local [8, 4], f32>{{$}}
// CHECK-NEXT:     dataflow.fill %bc value 0.000000e+00 : f32 : !dataflow.buffer<grid [2, 2], local [4, 4], f32>{{$}}
// CHECK-NEXT:     dataflow.repeat 2 {
// CHECK-NEXT:       dataflow.repeat 4 attributes {tf.op = "k-steps"} {
// CHECK-NEXT:         dataflow.compute ins(%ba, %bw : !dataflow.buffer<grid [2, 2], local [4, 8], f32>, !dataflow.buffer<grid [2, 2], local [8, 4], f32>) outs(%bc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>) sizes array<i64: 4, 4, 1> attributes {tf.op = "matmul", indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], offsets = [affine_map<(d0, d1)[s0, s1] -> (0, ((s0 * 4) + s1))>, affine_map<(d0, d1)[s0, s1] -> (((s0 * 4) + s1), 0)>, affine_map<(d0, d1) -> (0, 0)>]} {
// CHECK-NEXT:         ^bb0(%x: f32, %y: f32, %acc: f32):{{$}}
// CHECK-NEXT:           %p = arith.mulf %x, %y : f32{{$}}
// CHECK-NEXT:           %s = arith.addf %acc, %p : f32{{$}}
// CHECK-NEXT:           linalg.yield %s : f32{{$}}
// CHECK-NEXT:         }{{$}}
// CHECK-NEXT:         dataflow.shift %bw from affine_map<(d0, d1) -> (((d0 + 1) mod 2), d1)> : !dataflow.buffer<grid [2, 2], local [8, 4], f32>{{$}}
// CHECK-NEXT:         dataflow.sync{{$}}
// CHECK-NEXT:       }{{$}}
// CHECK-NEXT:       dataflow.compute outs(%bc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>) sizes array<i64: 4, 2> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(d0, d1)[s0] -> (0, (s0 * 2))>]} {
// CHECK-NEXT:       ^bb0(%o: f32):{{$}}
// CHECK-NEXT:         %r = arith.addf %o, %o : f32{{$}}
// CHECK-NEXT:         linalg.yield %r : f32{{$}}
// CHECK-NEXT:       }{{$}}
// CHECK-NEXT:     }{{$}}
// CHECK-NEXT:     dataflow.reduce %bc over array<i64: 1> with "add" : !dataflow.buffer<grid [2, 2], local [4, 4], f32>{{$}}
// CHECK-NEXT:     dataflow.exchange %bc offsets affine_map<(d0, d1) -> ((d0 * 4), (d1 * 4))> into %bt offsets affine_map<(d0) -> (0, (d0 * 2))> shape array<i64: 8, 8> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [4], local [8, 2], f32>{{$}}
// CHECK-NEXT:     %c = dataflow.gather %bt offsets affine_map<(d0) -> (0, (d0 * 2))> : !dataflow.buffer<grid [4], local [8, 2], f32> -> tensor<8x8xf32>{{$}}
// CHECK-NEXT:     dataflow.free %ba : !dataflow.buffer<grid [2, 2], local [4, 8], f32>{{$}}
// CHECK-NEXT:     dataflow.free %bw : !dataflow.buffer<grid [2, 2], local [8, 4], f32>{{$}}
// CHECK-NEXT:     dataflow.free %bc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>{{$}}
// CHECK-NEXT:     dataflow.free %bt : !dataflow.buffer<grid [4], local [8, 2], f32>{{$}}
// CHECK-NEXT:     func.return %c : tensor<8x8xf32>{{$}}
// CHECK-NEXT:   }{{$}}
  func.func @matmul(%a: tensor<8x16xf32>, %w: tensor<16x8xf32>) -> tensor<8x8xf32> {
    %ba = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    %bw = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [8, 4], f32>
    %bc = dataflow.alloc {tf.op = "matmul"} : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %bt = dataflow.alloc : !dataflow.buffer<grid [4], local [8, 2], f32>
    dataflow.scatter %a into %ba offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 8)> : tensor<8x16xf32> -> !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.scatter %w into %bw offsets affine_map<(c0, c1) -> (c1 * 8, c0 * 4)> : tensor<16x8xf32> -> !dataflow.buffer<grid [2, 2], local [8, 4], f32>
    dataflow.fill %bc value 0.0 : f32 : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    dataflow.repeat 2 {
      dataflow.repeat 4 attributes {tf.op = "k-steps"} {
        dataflow.compute ins(%ba, %bw : !dataflow.buffer<grid [2, 2], local [4, 8], f32>, !dataflow.buffer<grid [2, 2], local [8, 4], f32>) outs(%bc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>) sizes array<i64: 4, 4, 1> attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], offsets = [affine_map<(c0, c1)[s0, s1] -> (0, s0 * 4 + s1)>, affine_map<(c0, c1)[s0, s1] -> (s0 * 4 + s1, 0)>, affine_map<(c0, c1) -> (0, 0)>], tf.op = "matmul"} {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %p = arith.mulf %x, %y : f32
          %s = arith.addf %acc, %p : f32
          linalg.yield %s : f32
        }
        dataflow.shift %bw from affine_map<(c0, c1) -> ((c0 + 1) mod 2, c1)> : !dataflow.buffer<grid [2, 2], local [8, 4], f32>
        dataflow.sync
      }
      dataflow.compute outs(%bc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>) sizes array<i64: 4, 2> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1)[s0] -> (0, s0 * 2)>]} {
      ^bb0(%o: f32):
        %r = arith.addf %o, %o : f32
        linalg.yield %r : f32
      }
    }
    dataflow.reduce %bc over array<i64: 1> with "add" : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    dataflow.exchange %bc offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %bt offsets affine_map<(c0) -> (0, c0 * 2)> shape array<i64: 8, 8> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [4], local [8, 2], f32>
    %c = dataflow.gather %bt offsets affine_map<(c0) -> (0, c0 * 2)> : !dataflow.buffer<grid [4], local [8, 2], f32> -> tensor<8x8xf32>
    dataflow.free %ba : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.free %bw : !dataflow.buffer<grid [2, 2], local [8, 4], f32>
    dataflow.free %bc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    dataflow.free %bt : !dataflow.buffer<grid [4], local [8, 2], f32>
    func.return %c : tensor<8x8xf32>
  }

  // fill with and without `where`, float and integer values; reduce over several dims
  // with every combiner; a shift along grid dim 1; sync outside any repeat.
// CHECK-LABEL:   func.func @misc() {
// CHECK-NEXT:     %b = dataflow.alloc : !dataflow.buffer<grid [2, 3], local [4], f32>{{$}}
// CHECK-NEXT:     %i = dataflow.alloc : !dataflow.buffer<grid [4], local [2, 2], i32>{{$}}
// CHECK-NEXT:     dataflow.fill %b value 1.500000e+00 : f32 : !dataflow.buffer<grid [2, 3], local [4], f32>{{$}}
// CHECK-NEXT:     dataflow.fill %b value -2.000000e+00 : f32 where affine_map<(d0, d1) -> ((d1 mod 2))> : !dataflow.buffer<grid [2, 3], local [4], f32>{{$}}
// CHECK-NEXT:     dataflow.fill %i value 3 : i32 : !dataflow.buffer<grid [4], local [2, 2], i32>{{$}}
// CHECK-NEXT:     dataflow.fill %i value 7 : i32 where affine_map<(d0) -> ((d0 floordiv 2))> : !dataflow.buffer<grid [4], local [2, 2], i32>{{$}}
// CHECK-NEXT:     dataflow.shift %b from affine_map<(d0, d1) -> (d0, ((d1 + 2) mod 3))> : !dataflow.buffer<grid [2, 3], local [4], f32>{{$}}
// CHECK-NEXT:     dataflow.sync{{$}}
// CHECK-NEXT:     dataflow.reduce %b over array<i64: 0, 1> with "mul" : !dataflow.buffer<grid [2, 3], local [4], f32>{{$}}
// CHECK-NEXT:     dataflow.reduce %b over array<i64: 1, 0> with "max" : !dataflow.buffer<grid [2, 3], local [4], f32>{{$}}
// CHECK-NEXT:     dataflow.reduce %i over array<i64: 0> with "min" : !dataflow.buffer<grid [4], local [2, 2], i32>{{$}}
// CHECK-NEXT:     dataflow.free %b : !dataflow.buffer<grid [2, 3], local [4], f32>{{$}}
// CHECK-NEXT:     dataflow.free %i : !dataflow.buffer<grid [4], local [2, 2], i32>{{$}}
// CHECK-NEXT:     func.return{{$}}
// CHECK-NEXT:   }{{$}}
  func.func @misc() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 3], local [4], f32>
    %i = dataflow.alloc : !dataflow.buffer<grid [4], local [2, 2], i32>
    dataflow.fill %b value 1.5 : f32 : !dataflow.buffer<grid [2, 3], local [4], f32>
    dataflow.fill %b value -2.0 : f32 where affine_map<(c0, c1) -> (c1 mod 2)> : !dataflow.buffer<grid [2, 3], local [4], f32>
    dataflow.fill %i value 3 : i32 : !dataflow.buffer<grid [4], local [2, 2], i32>
    dataflow.fill %i value 7 : i32 where affine_map<(c0) -> (c0 floordiv 2)> : !dataflow.buffer<grid [4], local [2, 2], i32>
    dataflow.shift %b from affine_map<(c0, c1) -> (c0, (c1 + 2) mod 3)> : !dataflow.buffer<grid [2, 3], local [4], f32>
    dataflow.sync
    dataflow.reduce %b over array<i64: 0, 1> with "mul" : !dataflow.buffer<grid [2, 3], local [4], f32>
    dataflow.reduce %b over array<i64: 1, 0> with "max" : !dataflow.buffer<grid [2, 3], local [4], f32>
    dataflow.reduce %i over array<i64: 0> with "min" : !dataflow.buffer<grid [4], local [2, 2], i32>
    dataflow.free %b : !dataflow.buffer<grid [2, 3], local [4], f32>
    dataflow.free %i : !dataflow.buffer<grid [4], local [2, 2], i32>
    func.return
  }

  // A hand-written empty repeat body (no block at all in the text) gets its one empty block.
// CHECK-LABEL:   func.func @empty_repeat() {
// CHECK-NEXT:     dataflow.repeat 2 {{{$}}
// CHECK-NEXT:     }{{$}}
// CHECK-NEXT:     dataflow.repeat 3 attributes {tf.op = "idle"} {{{$}}
// CHECK-NEXT:     }{{$}}
// CHECK-NEXT:     func.return{{$}}
// CHECK-NEXT:   }{{$}}
  func.func @empty_repeat() {
    dataflow.repeat 2 {
    }
    dataflow.repeat 3 attributes {tf.op = "idle"} {}
    func.return
  }

  // A ring that shifts only between its steps (3 computes, 2 shifts): the `between` region.
// CHECK-LABEL:   func.func @ring_between(%b: !dataflow.buffer<grid [3], local [4], f32>) {
// CHECK-NEXT:     dataflow.repeat 3 attributes {tf.op = "ring"} {
// CHECK-NEXT:       dataflow.sync{{$}}
// CHECK-NEXT:     } between {
// CHECK-NEXT:       dataflow.shift %b from affine_map<(d0) -> (((d0 + 1) mod 3))> : !dataflow.buffer<grid [3], local [4], f32>{{$}}
// CHECK-NEXT:     }{{$}}
// CHECK-NEXT:     dataflow.repeat 2 {{{$}}
// CHECK-NEXT:     } between {{{$}}
// CHECK-NEXT:     }{{$}}
// CHECK-NEXT:     func.return{{$}}
// CHECK-NEXT:   }{{$}}
  func.func @ring_between(%b: !dataflow.buffer<grid [3], local [4], f32>) {
    dataflow.repeat 3 attributes {tf.op = "ring"} {
      dataflow.sync
    } between {
      dataflow.shift %b from affine_map<(c0) -> ((c0 + 1) mod 3)> : !dataflow.buffer<grid [3], local [4], f32>
    }
    dataflow.repeat 2 {} between {}
    func.return
  }

  // An exchange that pads: the 8x8 tensor on a 2x2 grid goes into 10x10 (one element of
  // padding on each side), split by rows over 2 cores holding 6 padded rows starting 4 apart (a
  // convolution halo); the fill sets the padding positions first. Explicit zero padding is kept.
// CHECK-LABEL:   func.func @exchange_pad(%a: tensor<8x8xf32>) -> tensor<8x8xf32> {
// CHECK-NEXT:     %bs = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>{{$}}
// CHECK-NEXT:     %bh = dataflow.alloc : !dataflow.buffer<grid [2], local [6, 10], f32>{{$}}
// CHECK-NEXT:     %bt = dataflow.alloc : !dataflow.buffer<grid [4], local [8, 2], f32>{{$}}
// CHECK-NEXT:     dataflow.scatter %a into %bs offsets affine_map<(d0, d1) -> ((d0 * 4), (d1 * 4))> : tensor<8x8xf32> -> !dataflow.buffer<grid [2, 2], local [4, 4], f32>{{$}}
// CHECK-NEXT:     dataflow.fill %bh value 0.000000e+00 : f32 : !dataflow.buffer<grid [2], local [6, 10], f32>{{$}}
// CHECK-NEXT:     dataflow.exchange %bs offsets affine_map<(d0, d1) -> ((d0 * 4), (d1 * 4))> into %bh offsets affine_map<(d0) -> ((d0 * 4), 0)> shape array<i64: 8, 8> low array<i64: 1, 1> high array<i64: 1, 1> {tf.op = "pad"} : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [2], local [6, 10], f32>{{$}}
// CHECK-NEXT:     dataflow.exchange %bs offsets affine_map<(d0, d1) -> ((d0 * 4), (d1 * 4))> into %bt offsets affine_map<(d0) -> (0, (d0 * 2))> shape array<i64: 8, 8> low array<i64: 0, 0> high array<i64: 0, 0> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [4], local [8, 2], f32>{{$}}
// CHECK-NEXT:     %c = dataflow.gather %bt offsets affine_map<(d0) -> (0, (d0 * 2))> : !dataflow.buffer<grid [4], local [8, 2], f32> -> tensor<8x8xf32>{{$}}
// CHECK-NEXT:     dataflow.free %bs : !dataflow.buffer<grid [2, 2], local [4, 4], f32>{{$}}
// CHECK-NEXT:     dataflow.free %bh : !dataflow.buffer<grid [2], local [6, 10], f32>{{$}}
// CHECK-NEXT:     dataflow.free %bt : !dataflow.buffer<grid [4], local [8, 2], f32>{{$}}
// CHECK-NEXT:     func.return %c : tensor<8x8xf32>{{$}}
// CHECK-NEXT:   }{{$}}
  func.func @exchange_pad(%a: tensor<8x8xf32>) -> tensor<8x8xf32> {
    %bs = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %bh = dataflow.alloc : !dataflow.buffer<grid [2], local [6, 10], f32>
    %bt = dataflow.alloc : !dataflow.buffer<grid [4], local [8, 2], f32>
    dataflow.scatter %a into %bs offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> : tensor<8x8xf32> -> !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    dataflow.fill %bh value 0.0 : f32 : !dataflow.buffer<grid [2], local [6, 10], f32>
    dataflow.exchange %bs offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %bh offsets affine_map<(c0) -> (c0 * 4, 0)> shape array<i64: 8, 8> low array<i64: 1, 1> high array<i64: 1, 1> {tf.op = "pad"} : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [2], local [6, 10], f32>
    dataflow.exchange %bs offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %bt offsets affine_map<(c0) -> (0, c0 * 2)> shape array<i64: 8, 8> low array<i64: 0, 0> high array<i64: 0, 0> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [4], local [8, 2], f32>
    %c = dataflow.gather %bt offsets affine_map<(c0) -> (0, c0 * 2)> : !dataflow.buffer<grid [4], local [8, 2], f32> -> tensor<8x8xf32>
    dataflow.free %bs : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    dataflow.free %bh : !dataflow.buffer<grid [2], local [6, 10], f32>
    dataflow.free %bt : !dataflow.buffer<grid [4], local [8, 2], f32>
    func.return %c : tensor<8x8xf32>
  }

  // An exchange that crops (a slice): negative low/high drop rows 0..1 and 6..7 and columns
  // 0..3 of the 8x8 tensor held on a 2x2 grid; the destination (2 cores, 2 rows each) indexes
  // the cropped 4x4 tensor.
// CHECK-LABEL: func.func @exchange_crop(%a: tensor<8x8xf32>) -> tensor<4x4xf32> {
// CHECK-NEXT:   %bs = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>{{$}}
// CHECK-NEXT:   %bc = dataflow.alloc : !dataflow.buffer<grid [2], local [2, 4], f32>{{$}}
// CHECK-NEXT:   dataflow.scatter %a into %bs offsets affine_map<(d0, d1) -> ((d0 * 4), (d1 * 4))> : tensor<8x8xf32> -> !dataflow.buffer<grid [2, 2], local [4, 4], f32>{{$}}
// CHECK-NEXT:   dataflow.exchange %bs offsets affine_map<(d0, d1) -> ((d0 * 4), (d1 * 4))> into %bc offsets affine_map<(d0) -> ((d0 * 2), 0)> shape array<i64: 8, 8> low array<i64: -2, -4> high array<i64: -2, 0> {tf.op = "slice"} : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [2], local [2, 4], f32>{{$}}
// CHECK-NEXT:   %c = dataflow.gather %bc offsets affine_map<(d0) -> ((d0 * 2), 0)> : !dataflow.buffer<grid [2], local [2, 4], f32> -> tensor<4x4xf32>{{$}}
// CHECK-NEXT:   dataflow.free %bs : !dataflow.buffer<grid [2, 2], local [4, 4], f32>{{$}}
// CHECK-NEXT:   dataflow.free %bc : !dataflow.buffer<grid [2], local [2, 4], f32>{{$}}
// CHECK-NEXT:   func.return %c : tensor<4x4xf32>{{$}}
// CHECK-NEXT: }{{$}}
  func.func @exchange_crop(%a: tensor<8x8xf32>) -> tensor<4x4xf32> {
    %bs = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %bc = dataflow.alloc : !dataflow.buffer<grid [2], local [2, 4], f32>
    dataflow.scatter %a into %bs offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> : tensor<8x8xf32> -> !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    dataflow.exchange %bs offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %bc offsets affine_map<(c0) -> (c0 * 2, 0)> shape array<i64: 8, 8> low array<i64: -2, -4> high array<i64: -2, 0> {tf.op = "slice"} : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [2], local [2, 4], f32>
    %c = dataflow.gather %bc offsets affine_map<(c0) -> (c0 * 2, 0)> : !dataflow.buffer<grid [2], local [2, 4], f32> -> tensor<4x4xf32>
    dataflow.free %bs : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    dataflow.free %bc : !dataflow.buffer<grid [2], local [2, 4], f32>
    func.return %c : tensor<4x4xf32>
  }

  // A concat is one exchange per piece, each padded up to the whole: a 2x4 and a 6x4 tensor
  // fill rows 0..1 and 2..7 of an 8x4 one (mixed signs: the second piece pads before it).
// CHECK-LABEL: func.func @exchange_concat(%p: tensor<2x4xf32>, %q: tensor<6x4xf32>) -> tensor<8x4xf32> {
// CHECK-NEXT:   %bp = dataflow.alloc : !dataflow.buffer<grid [2], local [1, 4], f32>{{$}}
// CHECK-NEXT:   %bq = dataflow.alloc : !dataflow.buffer<grid [2], local [3, 4], f32>{{$}}
// CHECK-NEXT:   %bt = dataflow.alloc : !dataflow.buffer<grid [4], local [2, 4], f32>{{$}}
// CHECK-NEXT:   dataflow.scatter %p into %bp offsets affine_map<(d0) -> (d0, 0)> : tensor<2x4xf32> -> !dataflow.buffer<grid [2], local [1, 4], f32>{{$}}
// CHECK-NEXT:   dataflow.scatter %q into %bq offsets affine_map<(d0) -> ((d0 * 3), 0)> : tensor<6x4xf32> -> !dataflow.buffer<grid [2], local [3, 4], f32>{{$}}
// CHECK-NEXT:   dataflow.exchange %bp offsets affine_map<(d0) -> (d0, 0)> into %bt offsets affine_map<(d0) -> ((d0 * 2), 0)> shape array<i64: 2, 4> low array<i64: 0, 0> high array<i64: 6, 0> {tf.op = "concat"} : !dataflow.buffer<grid [2], local [1, 4], f32> -> !dataflow.buffer<grid [4], local [2, 4], f32>{{$}}
// CHECK-NEXT:   dataflow.exchange %bq offsets affine_map<(d0) -> ((d0 * 3), 0)> into %bt offsets affine_map<(d0) -> ((d0 * 2), 0)> shape array<i64: 6, 4> low array<i64: 2, 0> high array<i64: 0, 0> {tf.op = "concat"} : !dataflow.buffer<grid [2], local [3, 4], f32> -> !dataflow.buffer<grid [4], local [2, 4], f32>{{$}}
// CHECK-NEXT:   %t = dataflow.gather %bt offsets affine_map<(d0) -> ((d0 * 2), 0)> : !dataflow.buffer<grid [4], local [2, 4], f32> -> tensor<8x4xf32>{{$}}
// CHECK-NEXT:   dataflow.free %bp : !dataflow.buffer<grid [2], local [1, 4], f32>{{$}}
// CHECK-NEXT:   dataflow.free %bq : !dataflow.buffer<grid [2], local [3, 4], f32>{{$}}
// CHECK-NEXT:   dataflow.free %bt : !dataflow.buffer<grid [4], local [2, 4], f32>{{$}}
// CHECK-NEXT:   func.return %t : tensor<8x4xf32>{{$}}
// CHECK-NEXT: }{{$}}
  func.func @exchange_concat(%p: tensor<2x4xf32>, %q: tensor<6x4xf32>) -> tensor<8x4xf32> {
    %bp = dataflow.alloc : !dataflow.buffer<grid [2], local [1, 4], f32>
    %bq = dataflow.alloc : !dataflow.buffer<grid [2], local [3, 4], f32>
    %bt = dataflow.alloc : !dataflow.buffer<grid [4], local [2, 4], f32>
    dataflow.scatter %p into %bp offsets affine_map<(c0) -> (c0, 0)> : tensor<2x4xf32> -> !dataflow.buffer<grid [2], local [1, 4], f32>
    dataflow.scatter %q into %bq offsets affine_map<(c0) -> (c0 * 3, 0)> : tensor<6x4xf32> -> !dataflow.buffer<grid [2], local [3, 4], f32>
    dataflow.exchange %bp offsets affine_map<(c0) -> (c0, 0)> into %bt offsets affine_map<(c0) -> (c0 * 2, 0)> shape array<i64: 2, 4> low array<i64: 0, 0> high array<i64: 6, 0> {tf.op = "concat"} : !dataflow.buffer<grid [2], local [1, 4], f32> -> !dataflow.buffer<grid [4], local [2, 4], f32>
    dataflow.exchange %bq offsets affine_map<(c0) -> (c0 * 3, 0)> into %bt offsets affine_map<(c0) -> (c0 * 2, 0)> shape array<i64: 6, 4> low array<i64: 2, 0> high array<i64: 0, 0> {tf.op = "concat"} : !dataflow.buffer<grid [2], local [3, 4], f32> -> !dataflow.buffer<grid [4], local [2, 4], f32>
    %t = dataflow.gather %bt offsets affine_map<(c0) -> (c0 * 2, 0)> : !dataflow.buffer<grid [4], local [2, 4], f32> -> tensor<8x4xf32>
    dataflow.free %bp : !dataflow.buffer<grid [2], local [1, 4], f32>
    dataflow.free %bq : !dataflow.buffer<grid [2], local [3, 4], f32>
    dataflow.free %bt : !dataflow.buffer<grid [4], local [2, 4], f32>
    func.return %t : tensor<8x4xf32>
  }

  // An exchange that reshapes: the 1x4x3x3 tensor (a conv output on a 4x3 grid) lands as
  // 1x4x9 (tokens along the last axis) on 9 cores, one token each; dst_offsets index the
  // reshaped tensor.
// CHECK-LABEL: func.func @exchange_reshape(%y: tensor<1x4x3x3xf32>) -> tensor<1x4x9xf32> {
// CHECK-NEXT:   %by = dataflow.alloc : !dataflow.buffer<grid [4, 3], local [1, 1, 1, 3], f32>{{$}}
// CHECK-NEXT:   %bt = dataflow.alloc : !dataflow.buffer<grid [9], local [1, 4, 1], f32>{{$}}
// CHECK-NEXT:   dataflow.scatter %y into %by offsets affine_map<(d0, d1) -> (0, d0, d1, 0)> : tensor<1x4x3x3xf32> -> !dataflow.buffer<grid [4, 3], local [1, 1, 1, 3], f32>{{$}}
// CHECK-NEXT:   dataflow.exchange %by offsets affine_map<(d0, d1) -> (0, d0, d1, 0)> into %bt offsets affine_map<(d0) -> (0, 0, d0)> shape array<i64: 1, 4, 3, 3> reshape array<i64: 1, 4, 9> {tf.op = "reshape"} : !dataflow.buffer<grid [4, 3], local [1, 1, 1, 3], f32> -> !dataflow.buffer<grid [9], local [1, 4, 1], f32>{{$}}
// CHECK-NEXT:   %t = dataflow.gather %bt offsets affine_map<(d0) -> (0, 0, d0)> : !dataflow.buffer<grid [9], local [1, 4, 1], f32> -> tensor<1x4x9xf32>{{$}}
// CHECK-NEXT:   dataflow.free %by : !dataflow.buffer<grid [4, 3], local [1, 1, 1, 3], f32>{{$}}
// CHECK-NEXT:   dataflow.free %bt : !dataflow.buffer<grid [9], local [1, 4, 1], f32>{{$}}
// CHECK-NEXT:   func.return %t : tensor<1x4x9xf32>{{$}}
// CHECK-NEXT: }{{$}}
  func.func @exchange_reshape(%y: tensor<1x4x3x3xf32>) -> tensor<1x4x9xf32> {
    %by = dataflow.alloc : !dataflow.buffer<grid [4, 3], local [1, 1, 1, 3], f32>
    %bt = dataflow.alloc : !dataflow.buffer<grid [9], local [1, 4, 1], f32>
    dataflow.scatter %y into %by offsets affine_map<(c0, c1) -> (0, c0, c1, 0)> : tensor<1x4x3x3xf32> -> !dataflow.buffer<grid [4, 3], local [1, 1, 1, 3], f32>
    dataflow.exchange %by offsets affine_map<(c0, c1) -> (0, c0, c1, 0)> into %bt offsets affine_map<(c0) -> (0, 0, c0)> shape array<i64: 1, 4, 3, 3> reshape array<i64: 1, 4, 9> {tf.op = "reshape"} : !dataflow.buffer<grid [4, 3], local [1, 1, 1, 3], f32> -> !dataflow.buffer<grid [9], local [1, 4, 1], f32>
    %t = dataflow.gather %bt offsets affine_map<(c0) -> (0, 0, c0)> : !dataflow.buffer<grid [9], local [1, 4, 1], f32> -> tensor<1x4x9xf32>
    dataflow.free %by : !dataflow.buffer<grid [4, 3], local [1, 1, 1, 3], f32>
    dataflow.free %bt : !dataflow.buffer<grid [9], local [1, 4, 1], f32>
    func.return %t : tensor<1x4x9xf32>
  }
}
// CHECK-NEXT: }{{$}}
