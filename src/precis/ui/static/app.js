// The reading room's only script: uploads (drag and drop or the file picker, size-checked before
// sending, one POST per file with the page's token) and the live status of work in flight.
"use strict";

(function () {
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const maxBytes = Number(document.querySelector('meta[name="max-bytes"]').content);
  const accepted = [".txt", ".md", ".html", ".htm", ".json"];
  const POLL_MS = 1500;
  let expected = new Set(); // document ids uploaded from this page and not yet in the table
  let polling = null;

  function say(list, text, kind) {
    const item = document.createElement("li");
    item.textContent = text; // never innerHTML: file names are the user's
    if (kind) item.className = kind;
    list.appendChild(item);
    return item;
  }

  function refusal(file) {
    const dot = file.name.lastIndexOf(".");
    const suffix = dot >= 0 ? file.name.slice(dot).toLowerCase() : "";
    if (!accepted.includes(suffix)) return "unsupported type (use " + accepted.join(", ") + ")";
    if (file.size === 0) return "empty";
    if (file.size > maxBytes) return file.size.toLocaleString() + " bytes; at most " + maxBytes.toLocaleString();
    return null;
  }

  async function send(zone, list, file) {
    const problem = refusal(file);
    if (problem) {
      say(list, file.name + ": not sent, " + problem, "error");
      return;
    }
    const line = say(list, file.name + ": uploading…");
    const body = new FormData();
    body.append("file", file, file.name);
    try {
      const response = await fetch(zone.dataset.uploadUrl, {
        method: "POST",
        body: body,
        headers: { "X-CSRF-Token": token, Accept: "application/json" },
        credentials: "same-origin",
      });
      const answer = await response.json();
      if (!response.ok) {
        line.textContent = file.name + ": refused, " + answer.error;
        line.className = "error";
        return;
      }
      line.textContent = file.name + ": uploaded, waiting for its record…";
      line.className = "ok";
      line.dataset.name = file.name;
      line.dataset.ids = answer.map((item) => item.document_ids.join(",")).join(",");
      answer.forEach((item) => item.document_ids.forEach((id) => expected.add(id)));
      startPolling();
    } catch (error) {
      line.textContent = file.name + ": not sent (" + error + ")";
      line.className = "error";
    }
  }

  function inFlight(rows) {
    return rows.querySelector('tr[data-status="QUEUED"]') !== null || expected.size > 0;
  }

  async function refresh() {
    const table = document.querySelector("[data-rows-url]");
    const rows = table.querySelector("[data-rows]");
    const response = await fetch(table.dataset.rowsUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const parsed = new DOMParser().parseFromString(
      "<table><tbody>" + (await response.text()) + "</tbody></table>", "text/html");
    const fresh = parsed.querySelector("tbody");
    rows.replaceChildren(...fresh.children);
    rows.querySelectorAll("tr[data-id]").forEach((row) => {
      if (row.dataset.status !== "QUEUED") expected.delete(row.dataset.id);
      // One upload has two candidate ids (by version, by ETag): the one found settles both.
      document.querySelectorAll("[data-upload-list] li[data-ids]").forEach((line) => {
        const ids = line.dataset.ids.split(",");
        if (ids.includes(row.dataset.id)) {
          ids.forEach((id) => expected.delete(id));
          line.textContent = line.dataset.name + ": " + row.dataset.status;
        }
      });
    });
    if (!inFlight(rows)) stopPolling();
  }

  function startPolling() {
    if (!polling) polling = setInterval(refresh, POLL_MS);
  }

  function stopPolling() {
    clearInterval(polling);
    polling = null;
  }

  function documentStatus() {
    const page = document.querySelector(".document[data-status='QUEUED']");
    if (!page) return;
    const timer = setInterval(async () => {
      const response = await fetch("/api/status?ids=" + encodeURIComponent(page.dataset.id));
      const status = (await response.json())[page.dataset.id];
      if (status && status !== "QUEUED") {
        clearInterval(timer);
        window.location.reload();
      }
    }, POLL_MS);
  }

  function upload() {
    const zone = document.querySelector("[data-upload-url]");
    if (!zone) return;
    const form = zone.querySelector("[data-drop-zone]");
    const picker = zone.querySelector("[data-file-input]");
    const list = zone.querySelector("[data-upload-list]");
    zone.classList.add("js");
    const sendAll = (files) => Array.from(files).forEach((file) => send(zone, list, file));
    picker.addEventListener("change", () => {
      sendAll(picker.files);
      picker.value = "";
    });
    form.addEventListener("submit", (event) => event.preventDefault());
    ["dragenter", "dragover"].forEach((name) =>
      form.addEventListener(name, (event) => {
        event.preventDefault();
        form.classList.add("over");
      }));
    ["dragleave", "drop"].forEach((name) =>
      form.addEventListener(name, () => form.classList.remove("over")));
    form.addEventListener("drop", (event) => {
      event.preventDefault();
      sendAll(event.dataTransfer.files);
    });
    if (inFlight(document.querySelector("[data-rows]"))) startPolling();
  }

  function openCollection() {
    const form = document.querySelector("[data-open-collection]");
    if (!form) return;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const name = form.elements.name.value.trim();
      if (form.checkValidity()) window.location.href = "/collections/" + encodeURIComponent(name);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    upload();
    documentStatus();
    openCollection();
  });
})();
