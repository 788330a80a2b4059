// RUN: xdsl-opt %s -p 'pipeline-ops{target=tt-like mode=chunks}' | filecheck %s
// RUN: xdsl-opt %s -p 'pipeline-ops{target=tt-like mode=none}' | filecheck %s --check-prefix=NONE
// RUN: xdsl-opt %s -p 'pipeline-ops{target=tt-like mode=chunks max_depth=2 granules=2}' | filecheck %s --check-prefix=G2
// RUN: xdsl-opt %s -p 'pipeline-ops{target=tt-like mode=organised}' | filecheck %s --check-prefix=ORG

// A chain of three NCHW ops, each feeding only the next: relu, a 3-row window sum (per
// channel, through a zero padding of one row above and below) and a square. `chunks` makes
// the whole chain one pipeline: one contiguous block of the 80-core torus per op, sized by
// its work, 4 granules of the 16 output rows; each op records its rows and how it reads its
// producer's rows (stride 1, 3 rows starting 1 above for the window: granule t waits for
// producer granule t + 1). `none` leaves the IR alone; `organised` also makes the chain one
// pipeline but with the granularity and organisation its cost model prefers. The fill of the window's accumulator
// is not a stage (it is materialised by its consumer).

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#win_in = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2 + d4, d3)>
#win_w = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4)>
#win_out = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
func.func @chain(%x: tensor<1x4x16x16xf32>, %w: tensor<4x3xf32>) -> tensor<1x4x16x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %e0 = tensor.empty() : tensor<1x4x16x16xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x16x16xf32>) outs(%e0 : tensor<1x4x16x16xf32>) attrs = {tf.op = "relu"} {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16x16xf32>
  %padded = tensor.pad %relu low[0, 0, 1, 0] high[0, 0, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x4x16x16xf32> to tensor<1x4x18x16xf32>
  %e1 = tensor.empty() : tensor<1x4x16x16xf32>
  %fill = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e1 : tensor<1x4x16x16xf32>) attrs = {tf.op = "rows"} {
  ^bb0(%o: f32):
    linalg.yield %zero : f32
  } -> tensor<1x4x16x16xf32>
  %rows = linalg.generic {indexing_maps = [#win_in, #win_w, #win_out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%padded, %w : tensor<1x4x18x16xf32>, tensor<4x3xf32>) outs(%fill : tensor<1x4x16x16xf32>) attrs = {tf.op = "rows.1"} {
  ^bb0(%a: f32, %k: f32, %o: f32):
    %p = arith.mulf %a, %k : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x4x16x16xf32>
  %e2 = tensor.empty() : tensor<1x4x16x16xf32>
  %scaled = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%rows : tensor<1x4x16x16xf32>) outs(%e2 : tensor<1x4x16x16xf32>) attrs = {tf.op = "scale"} {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<1x4x16x16xf32>
  func.return %scaled : tensor<1x4x16x16xf32>
}

// CHECK:      %relu = linalg.generic
// CHECK-SAME:   tf.op = "relu", tf.pipeline = {group = 0 : i64, stage = 0 : i64, cores = array<i64: 26, 29, 25>, granules = 4 : i64, organisation = "blocks", predicted = {{[0-9]+}} : i64, rows = 16 : i64, window = array<i64: 1, 1, 0>}
// CHECK:      %fill = linalg.generic
// CHECK-NOT:    tf.pipeline
// CHECK-SAME:   tf.op = "rows"}
// CHECK:      %rows = linalg.generic
// CHECK-SAME:   tf.pipeline = {group = 0 : i64, stage = 1 : i64, cores = array<i64: 26, 29, 25>, granules = 4 : i64, organisation = "blocks", predicted = {{[0-9]+}} : i64, rows = 16 : i64, window = array<i64: 1, 3, 1>}
// CHECK:      %scaled = linalg.generic
// CHECK-SAME:   tf.pipeline = {group = 0 : i64, stage = 2 : i64, cores = array<i64: 26, 29, 25>, granules = 4 : i64, organisation = "blocks", predicted = {{[0-9]+}} : i64, rows = 16 : i64, window = array<i64: 1, 1, 0>}

// NONE-NOT: tf.pipeline

// G2: granules = 2 : i64

// ORG: tf.op = "relu", tf.pipeline = {group = 0 : i64, stage = 0 : i64, cores = array<i64: {{[0-9, ]+}}>, granules = {{(2|4|8|16)}} : i64, organisation = "{{(blocks|striped|interleaved)}}"
// ORG: tf.pipeline = {group = 0 : i64, stage = 1 : i64
// ORG: tf.pipeline = {group = 0 : i64, stage = 2 : i64
