// Placed right before the agent bar's <script> tag: the start of the start-up measurement.
window.crmT0 = performance.now();
