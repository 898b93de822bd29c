/** C source imported as text (`with { type: "text" }`): walker.c, compiled at run time. */
declare module "*.c" {
  const source: string;
  export default source;
}
