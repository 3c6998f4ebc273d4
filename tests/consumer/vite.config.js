// The only setting: build for browsers with top-level await (the app awaits init()).
export default { build: { target: "es2022" } };
