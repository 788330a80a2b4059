// RUN: xdsl-opt -p 'linalg-to-rtensor{memory_fraction=0.005}' %s | filecheck %s
// RUN: xdsl-opt -p 'linalg-to-rtensor{memory_fraction=0.005},rtensor-to-dataflow' %s | filecheck %s --check-prefix=DF

// An embedding lookup, written as the one-hot contraction the frontend makes of an ONNX Gather
// (kernel kind `lookup`: `yield acc + select(ids + 1 == tag, row, 0)` with `tag` and the table
// row read at the reduction dim v). The planner distributes it like any contraction, so the kind
// decides the op's label ("lookup<N>") and cost; both passes keep the maps, the reduction
// iterator and the body unchanged, and the dataflow compute carries the plan (tf.plan). The
// budget (0.5% of the scratchpad, about 3 KiB per core) only matters for (2).

builtin.module attributes {tf.target = "ipu-mk2"} {
  // (1) A 10-row table of 8-wide embeddings, looked up by 2x3 ids (as frontend/gather_lookup.py
  //     rewrites an ONNX Gather: out[b, s, d] += select(ids[b, s] + 1 == tags[v], table[v, d], 0)
  //     over the reduction dim v, tags holding 1..10; the output starts as a zero fill).
  func.func @embedding(%ids: tensor<2x3xi64>, %table: tensor<10x8xf32>, %tags: tensor<10xi64>) -> tensor<2x3x8xf32> {
    %e = tensor.empty() : tensor<2x3x8xf32>
    %z = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<2x3x8xf32>) {
    ^bb0(%out: f32):
      %zero = arith.constant 0.000000e+00 : f32
      linalg.yield %zero : f32
    } -> tensor<2x3x8xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%ids, %table, %tags : tensor<2x3xi64>, tensor<10x8xf32>, tensor<10xi64>) outs(%z : tensor<2x3x8xf32>) {
    ^bb0(%id: i64, %row: f32, %tag: i64, %acc: f32):
      %one = arith.constant 1 : i64
      %key = arith.addi %id, %one : i64
      %hit = arith.cmpi eq, %key, %tag : i64
      %none = arith.constant 0.000000e+00 : f32
      %pick = arith.select %hit, %row, %none : f32
      %sum = arith.addf %acc, %pick : f32
      linalg.yield %sum : f32
    } -> tensor<2x3x8xf32>
    func.return %r : tensor<2x3x8xf32>
  }

  // (2) A 1001-row vocabulary (not a multiple of the split) under a tight memory budget.
  func.func @embedding_split(%ids: tensor<1x8xi64>, %table: tensor<1001x16xf32>, %tags: tensor<1001xi64>) -> tensor<1x8x16xf32> {
    %e = tensor.empty() : tensor<1x8x16xf32>
    %z = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<1x8x16xf32>) {
    ^bb0(%out: f32):
      %zero = arith.constant 0.000000e+00 : f32
      linalg.yield %zero : f32
    } -> tensor<1x8x16xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%ids, %table, %tags : tensor<1x8xi64>, tensor<1001x16xf32>, tensor<1001xi64>) outs(%z : tensor<1x8x16xf32>) {
    ^bb0(%id: i64, %row: f32, %tag: i64, %acc: f32):
      %one = arith.constant 1 : i64
      %key = arith.addi %id, %one : i64
      %hit = arith.cmpi eq, %key, %tag : i64
      %none = arith.constant 0.000000e+00 : f32
      %pick = arith.select %hit, %row, %none : f32
      %sum = arith.addf %acc, %pick : f32
      linalg.yield %sum : f32
    } -> tensor<1x8x16xf32>
    func.return %r : tensor<1x8x16xf32>
  }
}

// (1) The whole table and all 10 tags on each of the [2, 3, 8] cores (ids, ids, columns):
//     v is not split (spatial 1), nothing rotates.
// CHECK-LABEL:  func.func @embedding(%ids: tensor<2x3xi64>, %table: tensor<10x8xf32>, %tags: tensor<10xi64>) -> tensor<2x3x8xf32> {
// CHECK:          %z = rtensor.compute plan <spatial = [2, 3, 8], temporal = {{\[\[}}1, 1, 1]]> outs(%e : tensor<2x3x8xf32>)
// CHECK:          %r = rtensor.compute plan <spatial = [2, 3, 8, 1], temporal = {{\[\[}}1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]> ins(%ids, %table, %tags : tensor<2x3xi64>, tensor<10x8xf32>, tensor<10xi64>) outs(%z : tensor<2x3x8xf32>) attributes {tf.op = "lookup2", {{.*}}, indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"], predicted_cycles = #builtin.int<{{[0-9]+}}>} {
// CHECK-NEXT:     ^bb0(%id: i64, %row: f32, %tag: i64, %acc: f32):
// CHECK-NEXT:       %one = arith.constant 1 : i64
// CHECK-NEXT:       %key = arith.addi %id, %one : i64
// CHECK-NEXT:       %hit = arith.cmpi eq, %key, %tag : i64
// CHECK-NEXT:       %none = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:       %pick = arith.select %hit, %row, %none : f32
// CHECK-NEXT:       %sum = arith.addf %acc, %pick : f32
// CHECK-NEXT:       linalg.yield %sum : f32
// CHECK-NEXT:     } -> tensor<2x3x8xf32>
// CHECK-NEXT:     func.return %r : tensor<2x3x8xf32>

// (2) The table does not fit a core (1001 x 16 x 4 B), so v is split 4 ways as well:
//     blocks of 251 rows (4 x 251 = 1004, the last core holds 3 rows of padding).
// CHECK-LABEL:  func.func @embedding_split(%ids: tensor<1x8xi64>, %table: tensor<1001x16xf32>, %tags: tensor<1001xi64>) -> tensor<1x8x16xf32> {
// CHECK:          %r = rtensor.compute plan <spatial = [1, 8, 16, 4], temporal = {{\[\[}}1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]> ins(%ids, %table, %tags : tensor<1x8xi64>, tensor<1001x16xf32>, tensor<1001xi64>) outs(%z : tensor<1x8x16xf32>) attributes {tf.op = "lookup2", {{.*}}, iterator_types = ["parallel", "parallel", "parallel", "reduction"], predicted_cycles = #builtin.int<{{[0-9]+}}>} {
// CHECK-NEXT:     ^bb0(%id: i64, %row: f32, %tag: i64, %acc: f32):
// CHECK:          func.return %r : tensor<1x8x16xf32>

// (1) ids, table and tags are scattered (the table by columns, whole along v), the output is
//     zero-filled (the fill op is re-materialised by its reader) and one compute step runs the
//     10 rows of v; the body still yields through the one-hot select.
// DF-LABEL:  func.func @embedding(%ids: tensor<2x3xi64>, %table: tensor<10x8xf32>, %tags: tensor<10xi64>) -> tensor<2x3x8xf32> {
// DF-NEXT:     %[[IDS1:.*]] = dataflow.alloc {tf.op = "lookup2"} : !dataflow.buffer<grid [2, 3, 8], local [1, 1], i64>
// DF-NEXT:     dataflow.scatter %ids into %[[IDS1]] offsets affine_map<(d0, d1, d2) -> (d0, d1)> {tf.op = "lookup2"} : tensor<2x3xi64> -> !dataflow.buffer<grid [2, 3, 8], local [1, 1], i64>
// DF-NEXT:     %[[TAB1:.*]] = dataflow.alloc {tf.op = "lookup2"} : !dataflow.buffer<grid [2, 3, 8], local [10, 1], f32>
// DF-NEXT:     dataflow.scatter %table into %[[TAB1]] offsets affine_map<(d0, d1, d2) -> (0, d2)> {tf.op = "lookup2"} : tensor<10x8xf32> -> !dataflow.buffer<grid [2, 3, 8], local [10, 1], f32>
// DF-NEXT:     %[[TAG1:.*]] = dataflow.alloc {tf.op = "lookup2"} : !dataflow.buffer<grid [2, 3, 8], local [10], i64>
// DF-NEXT:     dataflow.scatter %tags into %[[TAG1]] offsets affine_map<(d0, d1, d2) -> (0)> {tf.op = "lookup2"} : tensor<10xi64> -> !dataflow.buffer<grid [2, 3, 8], local [10], i64>
// DF-NEXT:     %[[OUT1:.*]] = dataflow.alloc {tf.op = "lookup2"} : !dataflow.buffer<grid [2, 3, 8], local [1, 1, 1], f32>
// DF-NEXT:     dataflow.fill %[[OUT1]] value 0.000000e+00 : f32 {tf.op = "lookup2"} : !dataflow.buffer<grid [2, 3, 8], local [1, 1, 1], f32>
// DF-NEXT:     dataflow.compute ins(%[[IDS1]], %[[TAB1]], %[[TAG1]] : !dataflow.buffer<grid [2, 3, 8], local [1, 1], i64>, !dataflow.buffer<grid [2, 3, 8], local [10, 1], f32>, !dataflow.buffer<grid [2, 3, 8], local [10], i64>) outs(%[[OUT1]] : !dataflow.buffer<grid [2, 3, 8], local [1, 1, 1], f32>) sizes array<i64: 1, 1, 1, 10> attributes {tf.op = "lookup2", tf.plan = "F=2x3x8x1", tf.predicted = #builtin.int<{{[0-9]+}}>, indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"], offsets = [affine_map<(d0, d1, d2) -> (0, 0)>, affine_map<(d0, d1, d2) -> (0, 0)>, affine_map<(d0, d1, d2) -> (0)>, affine_map<(d0, d1, d2) -> (0, 0, 0)>]} {
// DF-NEXT:     ^bb0(%id: i64, %row: f32, %tag: i64, %acc: f32):
// DF-NEXT:       %one = arith.constant 1 : i64
// DF-NEXT:       %key = arith.addi %id, %one : i64
// DF-NEXT:       %hit = arith.cmpi eq, %key, %tag : i64
// DF-NEXT:       %none = arith.constant 0.000000e+00 : f32
// DF-NEXT:       %pick = arith.select %hit, %row, %none : f32
// DF-NEXT:       %sum = arith.addf %acc, %pick : f32
// DF-NEXT:       linalg.yield %sum : f32
// DF-NEXT:     }
// DF-NOT:      dataflow.reduce
// DF:          func.return

// (2) Core (t, d, p) holds rows p * 251 .. p * 251 + 250 of the table and of the tags (the host
//     pads the last block with zeros, a tag no key matches); the partial sums over v (grid dim 2)
//     start at the identity and are all-reduced with "add".
// DF-LABEL:  func.func @embedding_split(%ids: tensor<1x8xi64>, %table: tensor<1001x16xf32>, %tags: tensor<1001xi64>) -> tensor<1x8x16xf32> {
// DF:          dataflow.scatter %table into %[[TAB2:.*]] offsets affine_map<(d0, d1, d2) -> ((d2 * 251), d1)> {tf.op = "lookup2"} : tensor<1001x16xf32> -> !dataflow.buffer<grid [8, 16, 4], local [251, 1], f32>
// DF-NEXT:     %[[TAG2:.*]] = dataflow.alloc {tf.op = "lookup2"} : !dataflow.buffer<grid [8, 16, 4], local [251], i64>
// DF-NEXT:     dataflow.scatter %tags into %[[TAG2]] offsets affine_map<(d0, d1, d2) -> ((d2 * 251))> {tf.op = "lookup2"} : tensor<1001xi64> -> !dataflow.buffer<grid [8, 16, 4], local [251], i64>
// DF-NEXT:     %[[OUT2:.*]] = dataflow.alloc {tf.op = "lookup2"} : !dataflow.buffer<grid [8, 16, 4], local [1, 1, 1], f32>
// DF-NEXT:     dataflow.fill %[[OUT2]] value 0.000000e+00 : f32 {tf.op = "lookup2"} : !dataflow.buffer<grid [8, 16, 4], local [1, 1, 1], f32>
// DF-NEXT:     dataflow.fill %[[OUT2]] value 0.000000e+00 : f32 where affine_map<(d0, d1, d2) -> (d2)> {tf.op = "lookup2"} : !dataflow.buffer<grid [8, 16, 4], local [1, 1, 1], f32>
// DF-NEXT:     dataflow.compute ins(%{{.*}}, %[[TAB2]], %[[TAG2]] : !dataflow.buffer<grid [8, 16, 4], local [1, 1], i64>, !dataflow.buffer<grid [8, 16, 4], local [251, 1], f32>, !dataflow.buffer<grid [8, 16, 4], local [251], i64>) outs(%[[OUT2]] : !dataflow.buffer<grid [8, 16, 4], local [1, 1, 1], f32>) sizes array<i64: 1, 1, 1, 251> attributes {tf.op = "lookup2", tf.plan = "F=1x8x16x4", {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// DF:          dataflow.reduce %[[OUT2]] over array<i64: 2> with "add" {tf.op = "lookup2"} : !dataflow.buffer<grid [8, 16, 4], local [1, 1, 1], f32>
// DF-NEXT:     %[[RES2:.*]] = dataflow.gather %[[OUT2]] offsets affine_map<(d0, d1, d2) -> (0, d0, d1)> {tf.op = "output"} : !dataflow.buffer<grid [8, 16, 4], local [1, 1, 1], f32> -> tensor<1x8x16xf32>
