builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @main(%a: tensor<8x8xf32>) -> tensor<8x8xf32> {
    %ba = dataflow.alloc {tf.op = "load"} : !dataflow.buffer<grid [2], local [4, 8], f32>
    dataflow.scatter %a into %ba offsets affine_map<(c0) -> (c0 * 4, 0)> : tensor<8x8xf32> -> !dataflow.buffer<grid [2], local [4, 8], f32>
    dataflow.shift %ba from affine_map<(c0) -> ((c0 + 1) mod 2)> {tf.op = "ring"} : !dataflow.buffer<grid [2], local [4, 8], f32>
    %c = dataflow.gather %ba offsets affine_map<(c0) -> (c0 * 4, 0)> : !dataflow.buffer<grid [2], local [4, 8], f32> -> tensor<8x8xf32>
    func.return %c : tensor<8x8xf32>
  }
}
