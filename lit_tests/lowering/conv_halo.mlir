// RUN: xdsl-opt -p rtensor-to-dataflow %s | filecheck %s

// A stride-2 3x3 convolution split over 2 cores along output rows (d2), its weights rotating
// along the kernel rows (d5, padded 3 -> 4, two parts of 2). Each core holds 6 input rows
// starting 4 apart (a 2-row halo); at step s0 it reads the 2·(2−1) + (2−1) + 1 = 4-row window
// that match the kernel-row part it holds: offset (part * 2) along the input rows.

builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @conv_halo(%x: tensor<1x2x9x9xf32>, %w: tensor<4x2x3x3xf32>, %o: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
    %r = rtensor.compute plan <spatial = [1, 1, 2, 1, 1, 1, 1], temporal = [[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 2, 1], [1, 1, 1, 1, 1, 1, 1]], rotation = [1]> ins(%x, %w : tensor<1x2x9x9xf32>, tensor<4x2x3x3xf32>) outs(%o : tensor<1x4x4x4xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, ((d2 * 2) + d5), ((d3 * 2) + d6))>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} {
    ^bb0(%a: f32, %b: f32, %acc: f32):
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<1x4x4x4xf32>
    func.return %r : tensor<1x4x4x4xf32>
  }
}

// CHECK: %0 = dataflow.alloc {tf.op = "compute"} : !dataflow.buffer<grid [2], local [1, 2, 6, 9], f32>
// CHECK: dataflow.scatter %x into %0 offsets affine_map<(d0) -> (0, 0, (d0 * 4), 0)> {tf.op = "compute"} : tensor<1x2x9x9xf32> -> !dataflow.buffer<grid [2], local [1, 2, 6, 9], f32>
// CHECK: %1 = dataflow.alloc {tf.op = "compute"} : !dataflow.buffer<grid [2], local [4, 2, 2, 3], f32>
// CHECK: dataflow.scatter %w into %1 offsets affine_map<(d0) -> (0, 0, ((((d0 mod 2) floordiv 1) mod 2) * 2), 0)> {tf.op = "compute"} : tensor<4x2x3x3xf32> -> !dataflow.buffer<grid [2], local [4, 2, 2, 3], f32>
// CHECK: %2 = dataflow.alloc {tf.op = "compute"} : !dataflow.buffer<grid [2], local [1, 4, 2, 4], f32>
// CHECK: dataflow.scatter %o into %2 offsets affine_map<(d0) -> (0, 0, (d0 * 2), 0)> {tf.op = "compute"} : tensor<1x4x4x4xf32> -> !dataflow.buffer<grid [2], local [1, 4, 2, 4], f32>
// CHECK: dataflow.repeat 2 attributes {tf.op = "compute"} {
// CHECK: dataflow.compute ins(%0, %1 : !dataflow.buffer<grid [2], local [1, 2, 6, 9], f32>, !dataflow.buffer<grid [2], local [4, 2, 2, 3], f32>) outs(%2 : !dataflow.buffer<grid [2], local [1, 4, 2, 4], f32>) sizes array<i64: 1, 4, 2, 4, 2, 2, 3> attributes {tf.op = "compute", tf.plan = "F=1x1x2x1x1x1x1 rot#1=1x1x1x1x1x2x1", tf.predicted = "", indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, ((d2 * 2) + d5), ((d3 * 2) + d6))>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"], offsets = [affine_map<(d0)[s0] -> (0, 0, ((((((d0 mod 2) + s0) mod 2) floordiv 1) mod 2) * 2), 0)>, affine_map<(d0)[s0] -> (0, 0, 0, 0)>, affine_map<(d0)[s0] -> (0, 0, 0, 0)>]} {
// CHECK: dataflow.shift %1 from affine_map<(d0) -> (((((d0 floordiv 2) * 2) + (((d0 mod 2) + 1) mod 2)) mod 2))> {tf.op = "compute"} : !dataflow.buffer<grid [2], local [4, 2, 2, 3], f32>
// CHECK: %3 = dataflow.gather %2 offsets affine_map<(d0) -> (0, 0, (d0 * 2), 0)> {tf.op = "output"} : !dataflow.buffer<grid [2], local [1, 4, 2, 4], f32> -> tensor<1x4x4x4xf32>
