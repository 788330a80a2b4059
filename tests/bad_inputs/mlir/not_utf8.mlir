func.func @main() {
  // ÿþ
}
