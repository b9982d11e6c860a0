/** Vite's `?raw` imports (a file's text), used to compare the README with the example. */
declare module '*?raw' {
  const text: string;
  export default text;
}
