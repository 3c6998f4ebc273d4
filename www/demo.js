// The demo page's script: load the widget's bundle and mount it with an example eSIM.
import init, { mount } from "/pkg/esim_storefront.js";

const status = document.getElementById("status");
try {
  await init();
  mount(document.getElementById("esim"), {
    activationCode: "LPA:1$rsp-eu.simlessly.com$D1094CA8E3B54F1D9F2A",
    data: 5368709120,
  });
  status.textContent = "Widget loaded.";
} catch (error) {
  status.textContent = `The widget could not load: ${error.message}`;
  status.classList.add("error");
  throw error;
}
