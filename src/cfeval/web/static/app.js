// cfeval workbench: sortable and filterable tables, and the progress of background work.
// A static file (the Content-Security-Policy allows no inline script); plain DOM, no library.
"use strict";

function cellValue(row, index, kind) {
  const cell = row.cells[index];
  if (!cell) return kind === "num" ? -Infinity : "";
  const raw = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
  if (kind === "num") {
    const n = parseFloat(raw);
    return Number.isNaN(n) ? -Infinity : n;
  }
  return raw.toLowerCase();
}

function makeSortable(table) {
  const headers = Array.from(table.tHead.rows[0].cells);
  headers.forEach((th, index) => {
    const kind = th.dataset.sort;
    if (!kind) return;
    th.tabIndex = 0;
    const sort = () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach((h) => h.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = cellValue(a, index, kind), y = cellValue(b, index, kind);
        const order = kind === "num" ? x - y : x.localeCompare(y, document.documentElement.lang);
        return ascending ? order : -order;
      });
      rows.forEach((r) => body.appendChild(r));
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter") sort(); });
  });
}

function applyFilters(id) {
  const table = document.getElementById(id);
  if (!table) return;
  const text = document.querySelector(`[data-filter-for="${id}"]`);
  const severity = document.querySelector(`[data-severity-for="${id}"]`);
  const needle = text ? text.value.trim().toLowerCase() : "";
  const level = severity ? severity.value : "";
  let shown = 0;
  Array.from(table.tBodies[0].rows).forEach((row) => {
    const ok = (!needle || row.textContent.toLowerCase().includes(needle)) &&
      (!level || row.dataset.severity === level);
    row.hidden = !ok;
    if (ok) shown += 1;
  });
  const count = document.querySelector(`[data-count-for="${id}"]`);
  if (count) count.textContent = `${shown} / ${table.tBodies[0].rows.length}`;
}

function watchJob(box) {
  const url = box.dataset.jobUrl;
  const bar = box.querySelector("progress");
  const done = box.querySelector("[data-job-done]");
  const poll = () => {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((job) => {
        bar.value = job.done;
        done.textContent = job.done;
        if (job.status === "running") setTimeout(poll, 1000);
        else window.location.reload();  // the page shows the download link or the outcome
      })
      .catch(() => setTimeout(poll, 3000));
  };
  setTimeout(poll, 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table.sortable").forEach(makeSortable);
  document.querySelectorAll("[data-filter-for], [data-severity-for]").forEach((input) => {
    const id = input.dataset.filterFor || input.dataset.severityFor;
    input.addEventListener("input", () => applyFilters(id));
    applyFilters(id);
  });
  document.querySelectorAll(".job[data-status=running]").forEach(watchJob);
  // A form that starts slow work says so and cannot be sent twice.
  document.querySelectorAll("form").forEach((form) => {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button[type=submit]");
      if (button && form.method.toLowerCase() === "post" && !form.action.endsWith(".pdf")) {
        button.dataset.label = button.textContent;
        setTimeout(() => { button.disabled = true; }, 0);
        setTimeout(() => { button.disabled = false; }, 15000);  // downloads do not reload
      }
    });
  });
});
