// JSX with the package's typings: the custom elements and their attributes type-check (this
// app has no framework, so only they are intrinsic elements here).
export function Plans(props: { api: string }) {
  return <esim-store api={props.api} currency="EUR" theme="auto" tab="shop" />;
}

export function Checkout() {
  return <esim-checkout package="JP_5GB_30D" customer-token="cus_123" />;
}
