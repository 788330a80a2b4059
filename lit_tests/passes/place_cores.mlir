// RUN: xdsl-opt -p place-cores %s | filecheck %s
// RUN: xdsl-opt -p 'place-cores{strategy=ring}' %s | filecheck %s
// RUN: xdsl-opt -p 'place-cores{strategy=row-major}' %s | filecheck %s --check-prefix=ROWMAJOR
// RUN: xdsl-opt -p 'place-cores{target=ipu-mk2}' %s | filecheck %s --check-prefix=ROWMAJOR

// place-cores on wse-like (a 64 x 64 mesh): op "ring" rotates its [4, 4] buffer along grid
// dim 0, four rings of 4 cells (cells j, 4+j, 8+j, 12+j). Row-major, a ring sits in mesh row
// 0 four cores apart (4 hops a shift, 12 hops back round). Placed, each ring is a closed
// 2 x 2 loop: ring 0 on cores 0 -> 1 -> 65 -> 64, ring 1 on 2 -> 3 -> 67 -> 66, ...; every
// shift is one hop. Op "copy" has no ring and no re-layout: it keeps row-major (no `place`).
// On a crossbar (ipu-mk2) or with strategy=row-major nothing changes.

builtin.module attributes {tf.target = "wse-like"} {
  func.func @rotate(%a: tensor<16x4xf32>) -> tensor<16x4xf32> {
    %b = dataflow.alloc {tf.op = "ring"} : !dataflow.buffer<grid [4, 4], local [4, 1], f32>
    dataflow.scatter %a into %b offsets affine_map<(d0, d1) -> ((d0 * 4), d1)> {tf.op = "ring"} : tensor<16x4xf32> -> !dataflow.buffer<grid [4, 4], local [4, 1], f32>
    dataflow.repeat 4 attributes {tf.op = "ring"} {
      dataflow.sync {tf.op = "ring"}
    } between {
      dataflow.shift %b from affine_map<(d0, d1) -> (((d0 + 1) mod 4), d1)> {tf.op = "ring"} : !dataflow.buffer<grid [4, 4], local [4, 1], f32>
    }
    %o = dataflow.alloc {tf.op = "copy"} : !dataflow.buffer<grid [2], local [8, 4], f32>
    dataflow.scatter %a into %o offsets affine_map<(d0) -> ((d0 * 8), 0)> {tf.op = "copy"} : tensor<16x4xf32> -> !dataflow.buffer<grid [2], local [8, 4], f32>
    %c = dataflow.gather %b offsets affine_map<(d0, d1) -> ((d0 * 4), d1)> {tf.op = "output"} : !dataflow.buffer<grid [4, 4], local [4, 1], f32> -> tensor<16x4xf32>
    dataflow.free %b : !dataflow.buffer<grid [4, 4], local [4, 1], f32>
    dataflow.free %o : !dataflow.buffer<grid [2], local [8, 4], f32>
    func.return %c : tensor<16x4xf32>
  }
}

// CHECK:      %b = dataflow.alloc place array<i64: 0, 2, 4, 6, 1, 3, 5, 7, 65, 67, 69, 71, 64, 66, 68, 70> {tf.op = "ring"} : !dataflow.buffer<grid [4, 4], local [4, 1], f32>
// CHECK:      dataflow.shift %b from affine_map<(d0, d1) -> (((d0 + 1) mod 4), d1)>
// CHECK:      %o = dataflow.alloc {tf.op = "copy"} : !dataflow.buffer<grid [2], local [8, 4], f32>

// ROWMAJOR:   %b = dataflow.alloc {tf.op = "ring"} : !dataflow.buffer<grid [4, 4], local [4, 1], f32>
// ROWMAJOR:   %o = dataflow.alloc {tf.op = "copy"} : !dataflow.buffer<grid [2], local [8, 4], f32>
