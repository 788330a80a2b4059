// RUN: xdsl-opt %s --split-input-file --verify-diagnostics | filecheck %s

// Every dataflow.pipeline verifier error, one per split.

// granules below 1
builtin.module attributes {tf.target = "tt-like"} {
  func.func @f() {
    %a = dataflow.alloc place array<i64: 0, 1> : !dataflow.buffer<grid [2], local [2, 8], f32>
    %b = dataflow.alloc place array<i64: 2, 3> : !dataflow.buffer<grid [2], local [2, 8], f32>
    dataflow.pipeline granules 0 organisation "blocks" needs array<i64> {
      dataflow.fill %a value 0.000000e+00 : f32 : !dataflow.buffer<grid [2], local [2, 8], f32>
    } {
      dataflow.fill %b value 0.000000e+00 : f32 : !dataflow.buffer<grid [2], local [2, 8], f32>
    }
    func.return
  }
}
// CHECK: Operation does not verify: pipeline: granules must be >= 1, got 0{{$}}

// -----

// an unknown organisation
builtin.module attributes {tf.target = "tt-like"} {
  func.func @f() {
    %a = dataflow.alloc place array<i64: 0, 1> : !dataflow.buffer<grid [2], local [2, 8], f32>
    %b = dataflow.alloc place array<i64: 2, 3> : !dataflow.buffer<grid [2], local [2, 8], f32>
    dataflow.pipeline granules 2 organisation "diagonal" needs array<i64: 0, 1> {
      dataflow.fill %a value 0.000000e+00 : f32 : !dataflow.buffer<grid [2], local [2, 8], f32>
    } {
      dataflow.fill %b value 0.000000e+00 : f32 : !dataflow.buffer<grid [2], local [2, 8], f32>
    }
    func.return
  }
}
// CHECK: Operation does not verify: pipeline: unknown organisation 'diagonal' (expected one of blocks, striped, interleaved){{$}}

// -----

// a single stage
builtin.module attributes {tf.target = "tt-like"} {
  func.func @f() {
    %a = dataflow.alloc place array<i64: 0, 1> : !dataflow.buffer<grid [2], local [2, 8], f32>
    %b = dataflow.alloc place array<i64: 2, 3> : !dataflow.buffer<grid [2], local [2, 8], f32>
    dataflow.pipeline granules 2 organisation "blocks" needs array<i64> {
      dataflow.fill %a value 0.000000e+00 : f32 : !dataflow.buffer<grid [2], local [2, 8], f32>
    }
    func.return
  }
}
// CHECK: Operation does not verify: pipeline: needs at least two stages, got 1{{$}}

// -----

// an empty stage
builtin.module attributes {tf.target = "tt-like"} {
  func.func @f() {
    %a = dataflow.alloc place array<i64: 0, 1> : !dataflow.buffer<grid [2], local [2, 8], f32>
    %b = dataflow.alloc place array<i64: 2, 3> : !dataflow.buffer<grid [2], local [2, 8], f32>
    dataflow.pipeline granules 2 organisation "blocks" needs array<i64: 0, 1> {
      dataflow.fill %a value 0.000000e+00 : f32 : !dataflow.buffer<grid [2], local [2, 8], f32>
    } {
    }
    func.return
  }
}
// CHECK: Operation does not verify: pipeline: every stage must hold at least one operation{{$}}

// -----

// needs of the wrong length
builtin.module attributes {tf.target = "tt-like"} {
  func.func @f() {
    %a = dataflow.alloc place array<i64: 0, 1> : !dataflow.buffer<grid [2], local [2, 8], f32>
    %b = dataflow.alloc place array<i64: 2, 3> : !dataflow.buffer<grid [2], local [2, 8], f32>
    dataflow.pipeline granules 2 organisation "blocks" needs array<i64: 0> {
      dataflow.fill %a value 0.000000e+00 : f32 : !dataflow.buffer<grid [2], local [2, 8], f32>
    } {
      dataflow.fill %b value 0.000000e+00 : f32 : !dataflow.buffer<grid [2], local [2, 8], f32>
    }
    func.return
  }
}
// CHECK: Operation does not verify: pipeline: needs has 1 entries, expected 2 (granules x stages after the first){{$}}

// -----

// needs naming a granule that does not exist
builtin.module attributes {tf.target = "tt-like"} {
  func.func @f() {
    %a = dataflow.alloc place array<i64: 0, 1> : !dataflow.buffer<grid [2], local [2, 8], f32>
    %b = dataflow.alloc place array<i64: 2, 3> : !dataflow.buffer<grid [2], local [2, 8], f32>
    dataflow.pipeline granules 2 organisation "blocks" needs array<i64: 0, 2> {
      dataflow.fill %a value 0.000000e+00 : f32 : !dataflow.buffer<grid [2], local [2, 8], f32>
    } {
      dataflow.fill %b value 0.000000e+00 : f32 : !dataflow.buffer<grid [2], local [2, 8], f32>
    }
    func.return
  }
}
// CHECK: Operation does not verify: pipeline: needs entries must be granules in [0, 2){{$}}

// -----

// needs going backwards
builtin.module attributes {tf.target = "tt-like"} {
  func.func @f() {
    %a = dataflow.alloc place array<i64: 0, 1> : !dataflow.buffer<grid [2], local [2, 8], f32>
    %b = dataflow.alloc place array<i64: 2, 3> : !dataflow.buffer<grid [2], local [2, 8], f32>
    dataflow.pipeline granules 2 organisation "blocks" needs array<i64: 1, 0> {
      dataflow.fill %a value 0.000000e+00 : f32 : !dataflow.buffer<grid [2], local [2, 8], f32>
    } {
      dataflow.fill %b value 0.000000e+00 : f32 : !dataflow.buffer<grid [2], local [2, 8], f32>
    }
    func.return
  }
}
// CHECK: Operation does not verify: pipeline: needs must be non-decreasing within each stage{{$}}

// -----

// two stages sharing a physical core
builtin.module attributes {tf.target = "tt-like"} {
  func.func @f() {
    %a = dataflow.alloc place array<i64: 0, 1> : !dataflow.buffer<grid [2], local [2, 8], f32>
    %b = dataflow.alloc place array<i64: 1, 2> : !dataflow.buffer<grid [2], local [2, 8], f32>
    dataflow.pipeline granules 2 organisation "blocks" needs array<i64: 0, 1> {
      dataflow.fill %a value 0.000000e+00 : f32 : !dataflow.buffer<grid [2], local [2, 8], f32>
    } {
      dataflow.fill %b value 0.000000e+00 : f32 : !dataflow.buffer<grid [2], local [2, 8], f32>
    }
    func.return
  }
}
// CHECK: Operation does not verify: pipeline: stages 0 and 1 both use physical core 1 (stage regions must be disjoint){{$}}
