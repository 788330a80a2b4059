// RUN: xdsl-opt %s | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s --print-op-generic | xdsl-opt | filecheck %s

// Round-trip of `dataflow.alloc place [...]`: the physical core of each grid cell
// (row-major over the grid); an alloc without it keeps cell i on core i.

builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc place array<i64: 5, 4, 0, 1> {tf.op = "mm"} : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    %c = dataflow.alloc : !dataflow.buffer<grid [4], local [4, 8], f32>
    dataflow.free %b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.free %c : !dataflow.buffer<grid [4], local [4, 8], f32>
    func.return
  }
}

// CHECK:      %b = dataflow.alloc place array<i64: 5, 4, 0, 1> {tf.op = "mm"} : !dataflow.buffer<grid [2, 2], local [4, 8], f32>{{$}}
// CHECK-NEXT: %c = dataflow.alloc : !dataflow.buffer<grid [4], local [4, 8], f32>{{$}}
