/** A .wasm imported as a file (`with { type: "file" }`): its path, embedded in a compiled binary. */
declare module "*.wasm" {
  const path: string;
  export default path;
}
