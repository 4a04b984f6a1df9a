/// The demo's browser page, served at `/` by `darwaza demo` only: it creates a payment through
/// the REST API, subscribes to its status over a WebSocket, and shows each change as it happens.
public enum DemoPage {
    /// The page's HTML, with its script inline (no build step).
    public static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Darwaza payments demo</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 46rem; color: #1d2330; }
  h1 { font-size: 1.4rem; }
  form, .actions { display: flex; gap: .5rem; align-items: end; flex-wrap: wrap; margin: 1rem 0; }
  label { display: flex; flex-direction: column; font-size: .8rem; color: #566; }
  input, select, button { font: inherit; padding: .35rem .6rem; }
  button { cursor: pointer; }
  #payment { font-family: ui-monospace, monospace; }
  ol#statuses { padding-left: 1.4rem; }
  ol#statuses li { margin: .2rem 0; }
  .status { font-weight: 600; }
  .time { color: #667; font-family: ui-monospace, monospace; font-size: .85rem; margin-left: .6rem; }
  #log { color: #845; min-height: 1.5rem; }
</style>
</head>
<body>
<h1>Payments, live</h1>
<p>Create a payment through the REST API; its status arrives over a WebSocket from the gRPC
stream <code>WatchPayment</code> as the backend changes it.</p>
<form id="create">
  <label>Amount <input id="units" type="number" min="1" value="42"></label>
  <label>Currency
    <select id="currency"><option>EUR</option><option>USD</option><option>GBP</option></select>
  </label>
  <label>Customer <input id="customer" value="Ada Lovelace"></label>
  <button type="submit" id="create-button">Create payment</button>
</form>
<p>Payment: <span id="payment">none yet</span></p>
<div class="actions">
  <button id="capture" disabled>Capture</button>
  <button id="refund" disabled>Refund</button>
</div>
<ol id="statuses"></ol>
<p id="log"></p>
<script>
"use strict";
let current = null;
let socket = null;
const $ = (id) => document.getElementById(id);

function log(text) { $("log").textContent = text; }

async function call(method, path, body) {
  const response = await fetch(path, {
    method, headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${response.status}: ${json.message}`);
  return json;
}

function show(status, time) {
  const item = document.createElement("li");
  item.innerHTML = `<span class="status"></span><span class="time"></span>`;
  item.querySelector(".status").textContent = status;
  item.querySelector(".time").textContent = time;
  item.dataset.status = status;
  $("statuses").appendChild(item);
  $("capture").disabled = status !== "AUTHORIZED";
  $("refund").disabled = status !== "CAPTURED" && status !== "SETTLED";
}

function watch(name) {
  if (socket) socket.close();
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/v1/${name}:watch`;
  socket = new WebSocket(url, ["darwaza.json.v1"]);
  let seen = 0;
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.error) { log(`stream error: ${message.error.message}`); return; }
    const history = message.payment.history || [];
    for (; seen < history.length; seen++) show(history[seen].status, history[seen].time);
  };
  socket.onclose = (event) => { if (event.code !== 1000) log(`stream closed: ${event.code} ${event.reason}`); };
}

$("create").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("statuses").innerHTML = "";
  log("");
  try {
    const payment = await call("POST", "/v1/payments", {
      amount: { currencyCode: $("currency").value, units: $("units").value },
      customer: { name: $("customer").value },
    });
    current = payment.name;
    $("payment").textContent = `${payment.id} (${payment.amount.units} ${payment.amount.currencyCode})`;
    watch(current);
  } catch (error) { log(error.message); }
});

$("capture").addEventListener("click", async () => {
  try { await call("POST", `/v1/${current}:capture`, {}); } catch (error) { log(error.message); }
});

$("refund").addEventListener("click", async () => {
  try { await call("POST", `/v1/${current}:refund`, { reason: "refunded from the demo page" }); }
  catch (error) { log(error.message); }
});
</script>
</body>
</html>
"""#
}
