// RUN: xdsl-opt %s -p 'rtensor-to-dataflow' | filecheck %s

// rtensor-to-dataflow on hand-written plans. Each function was also run on the simulator
// and matches numpy (C + A @ B for the matmuls, the identity for the relayout).

// (1) Spatial split of the reduction dim: (m, n, k) = (8, 12, 16) split [2, 2, 4] gives a
//     [2, 2, 4] grid of 4x6x4 boxes. A and B are scattered by (m, k) and (k, n) blocks; C by
//     (m, n) blocks onto all 4 k-cores, where every core but k = 0 is reset to the add
//     identity so that the all-reduce over grid dim 2 adds C exactly once.
// CHECK-LABEL: func.func @matmul_split_k(%a: tensor<8x16xf32>, %b: tensor<16x12xf32>, %c: tensor<8x12xf32>) -> tensor<8x12xf32> {
// CHECK-NEXT:    %[[A:.*]] = dataflow.alloc {tf.op = "mm"} : !dataflow.buffer<grid [2, 2, 4], local [4, 4], f32>
// CHECK-NEXT:    dataflow.scatter %a into %[[A]] offsets affine_map<(d0, d1, d2) -> ((d0 * 4), (d2 * 4))> {tf.op = "mm"} : tensor<8x16xf32> -> !dataflow.buffer<grid [2, 2, 4], local [4, 4], f32>
// CHECK-NEXT:    %[[B:.*]] = dataflow.alloc {tf.op = "mm"} : !dataflow.buffer<grid [2, 2, 4], local [4, 6], f32>
// CHECK-NEXT:    dataflow.scatter %b into %[[B]] offsets affine_map<(d0, d1, d2) -> ((d2 * 4), (d1 * 6))> {tf.op = "mm"} : tensor<16x12xf32> -> !dataflow.buffer<grid [2, 2, 4], local [4, 6], f32>
// CHECK-NEXT:    %[[C:.*]] = dataflow.alloc {tf.op = "mm"} : !dataflow.buffer<grid [2, 2, 4], local [4, 6], f32>
// CHECK-NEXT:    dataflow.scatter %c into %[[C]] offsets affine_map<(d0, d1, d2) -> ((d0 * 4), (d1 * 6))> {tf.op = "mm"} : tensor<8x12xf32> -> !dataflow.buffer<grid [2, 2, 4], local [4, 6], f32>
// CHECK-NEXT:    dataflow.fill %[[C]] value 0.000000e+00 : f32 where affine_map<(d0, d1, d2) -> (d2)> {tf.op = "mm"} : !dataflow.buffer<grid [2, 2, 4], local [4, 6], f32>
// CHECK-NEXT:    dataflow.compute ins(%[[A]], %[[B]] : !dataflow.buffer<grid [2, 2, 4], local [4, 4], f32>, !dataflow.buffer<grid [2, 2, 4], local [4, 6], f32>) outs(%[[C]] : !dataflow.buffer<grid [2, 2, 4], local [4, 6], f32>) sizes array<i64: 4, 6, 4> attributes {tf.op = "mm", tf.plan = "F=2x2x4", tf.predicted = {{.*}}, indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], offsets = [affine_map<(d0, d1, d2) -> (0, 0)>, affine_map<(d0, d1, d2) -> (0, 0)>, affine_map<(d0, d1, d2) -> (0, 0)>]} {
// CHECK-NEXT:    ^bb0(%x: f32, %y: f32, %acc: f32):
// CHECK-NEXT:      %p = arith.mulf %x, %y : f32
// CHECK-NEXT:      %s = arith.addf %acc, %p : f32
// CHECK-NEXT:      linalg.yield %s : f32
// CHECK-NEXT:    }
// CHECK-NEXT:    dataflow.free %[[A]] : !dataflow.buffer<grid [2, 2, 4], local [4, 4], f32>
// CHECK-NEXT:    dataflow.free %[[B]] : !dataflow.buffer<grid [2, 2, 4], local [4, 6], f32>
// CHECK-NEXT:    dataflow.reduce %[[C]] over array<i64: 2> with "add" {tf.op = "mm"} : !dataflow.buffer<grid [2, 2, 4], local [4, 6], f32>
// CHECK-NEXT:    %[[R:.*]] = dataflow.gather %[[C]] offsets affine_map<(d0, d1, d2) -> ((d0 * 4), (d1 * 6))> {tf.op = "output"} : !dataflow.buffer<grid [2, 2, 4], local [4, 6], f32> -> tensor<8x12xf32>
// CHECK-NEXT:    dataflow.free %[[C]] : !dataflow.buffer<grid [2, 2, 4], local [4, 6], f32>
// CHECK-NEXT:    func.return %[[R]] : tensor<8x12xf32>
// CHECK-NEXT:  }

// (2) A rotating operand: m split 2 ways and n 4 ways on a [2, 4] grid; A (replicated over
//     the 4 n-cores) is cut into 4 parts along k, core (i, j) starting with part j. Each of
//     the 4 steps multiplies a 4x3x4 box, B's rows following the part A holds
//     ((j + s0) mod 4); between steps (3 times, T10's schedule) every core receives A's part from
//     its ring neighbour (i, j + 1).
// CHECK-LABEL: func.func @matmul_rotate_a(%a: tensor<8x16xf32>, %b: tensor<16x12xf32>, %c: tensor<8x12xf32>) -> tensor<8x12xf32> {
// CHECK-NEXT:    %[[A:.*]] = dataflow.alloc {tf.op = "mm"} : !dataflow.buffer<grid [2, 4], local [4, 4], f32>
// CHECK-NEXT:    dataflow.scatter %a into %[[A]] offsets affine_map<(d0, d1) -> ((d0 * 4), ((((d1 mod 4) floordiv 1) mod 4) * 4))> {tf.op = "mm"} : tensor<8x16xf32> -> !dataflow.buffer<grid [2, 4], local [4, 4], f32>
// CHECK-NEXT:    %[[B:.*]] = dataflow.alloc {tf.op = "mm"} : !dataflow.buffer<grid [2, 4], local [16, 3], f32>
// CHECK-NEXT:    dataflow.scatter %b into %[[B]] offsets affine_map<(d0, d1) -> (0, (d1 * 3))> {tf.op = "mm"} : tensor<16x12xf32> -> !dataflow.buffer<grid [2, 4], local [16, 3], f32>
// CHECK-NEXT:    %[[C:.*]] = dataflow.alloc {tf.op = "mm"} : !dataflow.buffer<grid [2, 4], local [4, 3], f32>
// CHECK-NEXT:    dataflow.scatter %c into %[[C]] offsets affine_map<(d0, d1) -> ((d0 * 4), (d1 * 3))> {tf.op = "mm"} : tensor<8x12xf32> -> !dataflow.buffer<grid [2, 4], local [4, 3], f32>
// CHECK-NOT:     dataflow.fill
// CHECK-NEXT:    dataflow.repeat 4 attributes {tf.op = "mm"} {
// CHECK-NEXT:      dataflow.compute ins(%[[A]], %[[B]] : !dataflow.buffer<grid [2, 4], local [4, 4], f32>, !dataflow.buffer<grid [2, 4], local [16, 3], f32>) outs(%[[C]] : !dataflow.buffer<grid [2, 4], local [4, 3], f32>) sizes array<i64: 4, 3, 4> attributes {tf.op = "mm", tf.plan = "F=2x4x1 rot#0=1x1x4", tf.predicted = {{.*}}, indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], offsets = [affine_map<(d0, d1)[s0] -> (0, 0)>, affine_map<(d0, d1)[s0] -> (((((((d1 mod 4) + s0) mod 4) floordiv 1) mod 4) * 4), 0)>, affine_map<(d0, d1)[s0] -> (0, 0)>]} {
// CHECK-NEXT:      ^bb0(%x: f32, %y: f32, %acc: f32):
// CHECK-NEXT:        %p = arith.mulf %x, %y : f32
// CHECK-NEXT:        %s = arith.addf %acc, %p : f32
// CHECK-NEXT:        linalg.yield %s : f32
// CHECK-NEXT:      }
// CHECK-NEXT:    } between {
// CHECK-NEXT:      dataflow.sync {tf.op = "mm"}
// CHECK-NEXT:      dataflow.shift %[[A]] from affine_map<(d0, d1) -> (d0, ((((d1 floordiv 4) * 4) + (((d1 mod 4) + 1) mod 4)) mod 4))> {tf.op = "mm"} : !dataflow.buffer<grid [2, 4], local [4, 4], f32>
// CHECK-NEXT:      dataflow.sync {tf.op = "mm"}
// CHECK-NEXT:    }
// CHECK-NEXT:    dataflow.free %[[A]] : !dataflow.buffer<grid [2, 4], local [4, 4], f32>
// CHECK-NEXT:    dataflow.free %[[B]] : !dataflow.buffer<grid [2, 4], local [16, 3], f32>
// CHECK-NOT:     dataflow.reduce
// CHECK-NEXT:    %[[R:.*]] = dataflow.gather %[[C]] offsets affine_map<(d0, d1) -> ((d0 * 4), (d1 * 3))> {tf.op = "output"} : !dataflow.buffer<grid [2, 4], local [4, 3], f32> -> tensor<8x12xf32>
// CHECK-NEXT:    dataflow.free %[[C]] : !dataflow.buffer<grid [2, 4], local [4, 3], f32>
// CHECK-NEXT:    func.return %[[R]] : tensor<8x12xf32>
// CHECK-NEXT:  }

// (3) A relayout: the argument is scattered in the source layout (row blocks of 2 on 4
//     cores), then exchanged into a fresh buffer in the destination layout (column blocks
//     of 4 along grid dim 1 of a [2, 3] grid, replicated along grid dim 0).
// CHECK-LABEL: func.func @relayout(%t: tensor<8x12xf32>) -> tensor<8x12xf32> {
// CHECK-NEXT:    %[[S:.*]] = dataflow.alloc {tf.op = "shuffle"} : !dataflow.buffer<grid [4], local [2, 12], f32>
// CHECK-NEXT:    dataflow.scatter %t into %[[S]] offsets affine_map<(d0) -> ((d0 * 2), 0)> {tf.op = "shuffle"} : tensor<8x12xf32> -> !dataflow.buffer<grid [4], local [2, 12], f32>
// CHECK-NEXT:    %[[D:.*]] = dataflow.alloc {tf.op = "shuffle"} : !dataflow.buffer<grid [2, 3], local [8, 4], f32>
// CHECK-NEXT:    dataflow.exchange %[[S]] offsets affine_map<(d0) -> ((d0 * 2), 0)> into %[[D]] offsets affine_map<(d0, d1) -> (0, (d1 * 4))> shape array<i64: 8, 12> {tf.op = "shuffle"} : !dataflow.buffer<grid [4], local [2, 12], f32> -> !dataflow.buffer<grid [2, 3], local [8, 4], f32>
// CHECK-NEXT:    dataflow.free %[[S]] : !dataflow.buffer<grid [4], local [2, 12], f32>
// CHECK-NEXT:    %[[R:.*]] = dataflow.gather %[[D]] offsets affine_map<(d0, d1) -> (0, (d1 * 4))> {tf.op = "output"} : !dataflow.buffer<grid [2, 3], local [8, 4], f32> -> tensor<8x12xf32>
// CHECK-NEXT:    dataflow.free %[[D]] : !dataflow.buffer<grid [2, 3], local [8, 4], f32>
// CHECK-NEXT:    func.return %[[R]] : tensor<8x12xf32>
// CHECK-NEXT:  }

builtin.module attributes {tf.target = "ipu-mk2"} {
  // (1) C[8x12] + A[8x16] * B[16x12], loops (d0 = m, d1 = n, d2 = k) split 2 x 2 x 4 over a
  //     [2, 2, 4] grid: every core multiplies a 4x6 by 4-deep block; the 4 partial sums
  //     along k are all-reduced over grid dim 2.
  func.func @matmul_split_k(%a: tensor<8x16xf32>, %b: tensor<16x12xf32>, %c: tensor<8x12xf32>) -> tensor<8x12xf32> {
    %r = rtensor.compute plan <spatial = [2, 2, 4], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<8x16xf32>, tensor<16x12xf32>) outs(%c : tensor<8x12xf32>) attributes {tf.op = "mm", indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<8x12xf32>
    func.return %r : tensor<8x12xf32>
  }

  // (2) Same matmul with m split 2 ways and n 4 ways: A is replicated over the 4 n-cores, so
  //     it is cut into 4 parts along k that rotate around that ring (4 compute-shift steps).
  func.func @matmul_rotate_a(%a: tensor<8x16xf32>, %b: tensor<16x12xf32>, %c: tensor<8x12xf32>) -> tensor<8x12xf32> {
    %r = rtensor.compute plan <spatial = [2, 4, 1], temporal = [[1, 1, 4], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<8x16xf32>, tensor<16x12xf32>) outs(%c : tensor<8x12xf32>) attributes {tf.op = "mm", indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<8x12xf32>
    func.return %r : tensor<8x12xf32>
  }

  // (3) A relayout of a function argument from row blocks on 4 cores to column blocks on a
  //     2x3 grid.
  func.func @relayout(%t: tensor<8x12xf32>) -> tensor<8x12xf32> {
    %r = rtensor.relayout %t from <grid = [4], axes = [0, -1], blocks = [2, 12], parts = [1, 1]> to <grid = [2, 3], axes = [-1, 1], blocks = [8, 4], parts = [1, 1]> {tf.op = "shuffle"} : tensor<8x12xf32> -> tensor<8x12xf32>
    func.return %r : tensor<8x12xf32>
  }
}
