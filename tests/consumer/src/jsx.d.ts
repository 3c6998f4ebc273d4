// A minimal JSX runtime's types, so that tsc can check Plans.tsx without a framework.
declare namespace JSX {
  type Element = unknown;
}
