// What both benchmark pages share: waiting for the DOM, and typing a destination one key at a
// time. Each keystroke is timed from its input event until one macrotask later (the widget's
// render effects run as microtasks, so they are all done by then) plus a forced layout (so
// style and layout count too). The pages check the final suggestions after typing.

const channel = new MessageChannel();
/** Yields one macrotask, without setTimeout's clamping. */
export const macrotask = () => new Promise((resolve) => {
  channel.port1.onmessage = () => resolve();
  channel.port2.postMessage(null);
});

/** Resolves once `find()` returns something, checking every animation frame. */
export function until(find) {
  return new Promise((resolve) => {
    const check = () => {
      const found = find();
      if (found) resolve(found);
      else requestAnimationFrame(check);
    };
    check();
  });
}

/** Types `text` into `input` key by key; returns each keystroke's time in ms. */
export async function typeTimed(input, text, layoutRoot) {
  const times = [];
  for (let i = 1; i <= text.length; i++) {
    const value = text.slice(0, i);
    const start = performance.now();
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true, composed: true }));
    await macrotask();
    void layoutRoot.offsetHeight;
    times.push(performance.now() - start);
    await new Promise((r) => requestAnimationFrame(r));
  }
  return times;
}

export const QUERY = "united kingdom";
