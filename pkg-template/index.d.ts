// Types of esim-storefront: the functions, their options, the events the widget sends, and
// the custom elements (for TypeScript's DOM and JSX).

/** Which part of the shop a mount shows. */
export type Panel = "store" | "packages" | "checkout" | "my-esims" | "install";
/** The widget's colours; "auto" follows the system. */
export type Theme = "light" | "dark" | "auto";

/** What `mount(element, options)` takes. Every field is optional unless the panel needs it. */
export interface MountOptions {
  /** Which panel to show (default "store"). */
  panel?: Panel;
  /** Base URL of the storefront API (the proxy); the page's own origin when absent. */
  api?: string;
  /** BCP 47 language ("fr"); the browser's language when absent. English, French, Spanish. */
  locale?: string;
  /** ISO 4217 currency for prices; the storefront's default when absent. */
  currency?: string;
  /** A destination to open at first ("JP"). */
  destination?: string;
  /** For the store: the tab to open first. */
  tab?: "shop" | "my-esims";
  /** For the checkout panel (required there): the plan's code. */
  package?: string;
  /** A customer token from the merchant's backend (checkout = "customer"). */
  customerToken?: string;
  theme?: Theme;
  /** For the install panel (required there): a full `LPA:1$…` code or a bare matching id. */
  activationCode?: string;
  /** For the install panel: the SM-DP+ address of a bare matching id. */
  smdpAddress?: string;
  /** For the install panel: the plan's data in bytes, or "unlimited". */
  data?: number | "unlimited";
}

/** Defaults for every custom element, as `defineElements` and the script tag's data-* give them. */
export interface ElementDefaults {
  api?: string;
  locale?: string;
  currency?: string;
  destination?: string;
  customerToken?: string;
  theme?: Theme;
}

/** A mounted widget. It stays mounted whether or not the page keeps this handle. */
export interface MountHandle {
  /** Removes the widget and frees its state; twice does nothing. */
  unmount(): void;
  /** Loads what the widget shows again. */
  refresh(): void;
  /** Changes some options (undefined removes one); throws, leaving the widget as it was, if invalid. */
  update(options: Partial<MountOptions>): void;
  /** Frees this handle (not the widget). */
  free(): void;
}

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/** Downloads and starts the wasm (next to this package's JS unless given). Call once, before the rest. */
export function init(
  input?: { module_or_path?: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<unknown>;
/** Starts the wasm from bytes or a module you already have, synchronously. */
export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown;
/** Mounts the widget in `element`'s shadow root; throws an Error saying what is wrong with the options. */
export function mount(element: HTMLElement, options?: MountOptions): MountHandle;
/** Defines <esim-store>, <esim-packages>, <esim-checkout>, <esim-my-esims>; returns how many were new. */
export function defineElements(defaults?: ElementDefaults): number;

/** A price: integer minor units of an ISO currency (1299 USD is $12.99). */
export interface Money {
  minor: number;
  currency: string;
}

/** Details of the events the widget sends from its element (they bubble and cross shadow roots). */
export interface EsimEventMap {
  /** A plan was chosen. */
  "esim:select": CustomEvent<{ packageCode: string; title: string; price: Money }>;
  /** An order was placed. */
  "esim:order": CustomEvent<{ orderId: string; total: Money; test: boolean }>;
  /** A top-up was added to an eSIM. */
  "esim:topup": CustomEvent<{ esimId: string; packageCode: string }>;
  /** The checkout's back button (a checkout on its own). */
  "esim:back": CustomEvent<null>;
  /** "Buy a plan" from an empty "my eSIMs" on its own. */
  "esim:browse": CustomEvent<null>;
  /** Something failed; `code` is the storefront API's stable code when there is one. */
  "esim:error": CustomEvent<{ stage: string; code?: string | null; message: string }>;
}

/** One of the custom elements: attributes and properties are the options. */
export interface EsimElement extends HTMLElement {
  api: string | null;
  locale: string | null;
  currency: string | null;
  destination: string | null;
  customerToken: string | null;
  tab: string | null;
  package: string | null;
  theme: string | null;
  /** Loads what the widget shows again. */
  refresh(): void;
  addEventListener<K extends keyof EsimEventMap>(
    type: K,
    listener: (this: EsimElement, event: EsimEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
}

/** The attributes of the elements in JSX (React, Preact, Solid). */
export interface EsimElementAttributes {
  api?: string;
  locale?: string;
  currency?: string;
  destination?: string;
  "customer-token"?: string;
  tab?: "shop" | "my-esims";
  package?: string;
  theme?: Theme;
  id?: string;
  class?: string;
  className?: string;
  style?: unknown;
  ref?: unknown;
  key?: string | number;
  children?: never;
}

declare global {
  interface HTMLElementTagNameMap {
    "esim-store": EsimElement;
    "esim-packages": EsimElement;
    "esim-checkout": EsimElement;
    "esim-my-esims": EsimElement;
  }
  namespace JSX {
    interface IntrinsicElements {
      "esim-store": EsimElementAttributes;
      "esim-packages": EsimElementAttributes;
      "esim-checkout": EsimElementAttributes;
      "esim-my-esims": EsimElementAttributes;
    }
  }
}
