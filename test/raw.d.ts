// Vite's `?raw` imports (test/unit/error-codes.test.ts reads the docs it checks this way).
declare module '*?raw' {
  const text: string;
  export default text;
}
