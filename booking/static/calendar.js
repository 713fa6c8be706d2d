/* Small enhancements for the calendar pages; everything works without them.
   - Arrow keys move between the times and bookings of a grid or timeline.
   - Dragging over free times of one day books the whole stretch. */
(function () {
  "use strict";

  var FOCUSABLE = "a[href]";

  function columnsOf(grid) {
    return Array.prototype.slice.call(grid.querySelectorAll("[data-cal-day]"));
  }

  function itemsOf(column) {
    return Array.prototype.slice.call(column.querySelectorAll(".cal-items " + FOCUSABLE));
  }

  function topOf(el) {
    return el.getBoundingClientRect().top;
  }

  function nearest(items, y) {
    var best = null, bestDistance = Infinity;
    items.forEach(function (item) {
      var distance = Math.abs(topOf(item) - y);
      if (distance < bestDistance) { best = item; bestDistance = distance; }
    });
    return best;
  }

  function moveInGrid(grid, event) {
    var current = event.target.closest(".cal-items " + FOCUSABLE);
    if (!current) { return; }
    var columns = columnsOf(grid);
    var column = current.closest("[data-cal-day]");
    var index = columns.indexOf(column);
    var items = itemsOf(column);
    var position = items.indexOf(current);
    var target = null;
    if (event.key === "ArrowDown") { target = items[position + 1]; }
    if (event.key === "ArrowUp") { target = items[position - 1]; }
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      var step = event.key === "ArrowLeft" ? -1 : 1;
      for (var i = index + step; i >= 0 && i < columns.length && !target; i += step) {
        target = nearest(itemsOf(columns[i]), topOf(current));
      }
    }
    if (target) {
      event.preventDefault();
      target.focus();
      target.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  }

  function moveInTimeline(table, event) {
    var cell = event.target.closest("td, th");
    if (!cell) { return; }
    var row = cell.parentElement;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var r = rows.indexOf(row), c = cell.cellIndex;
    var dr = { ArrowUp: -1, ArrowDown: 1 }[event.key] || 0;
    var dc = { ArrowLeft: -1, ArrowRight: 1 }[event.key] || 0;
    if (!dr && !dc) { return; }
    for (r += dr, c += dc; r >= 0 && r < rows.length && c >= 0 && c < rows[r].cells.length;
         r += dr, c += dc) {
      var link = rows[r].cells[c].querySelector(FOCUSABLE);
      if (link) {
        event.preventDefault();
        link.focus();
        link.scrollIntoView({ block: "nearest", inline: "nearest" });
        return;
      }
    }
  }

  function enableDrag(grid) {
    var start = null, selected = [];

    function clear() {
      selected.forEach(function (a) { a.classList.remove("is-selected"); });
      selected = [];
    }

    function run(from, to) {
      // The free cells of one column from `from` to `to`, as long as they follow each other.
      var cells = itemsOf(from.closest("[data-cal-day]")).filter(function (a) {
        return a.hasAttribute("data-cal-free");
      });
      var i = cells.indexOf(from), j = cells.indexOf(to);
      if (i < 0 || j < 0) { return [from]; }
      var step = j >= i ? 1 : -1, found = [from];
      for (var k = i; k !== j; k += step) {
        var a = cells[k], b = cells[k + step];
        var joined = step > 0 ? a.dataset.until === b.dataset.start
                              : b.dataset.until === a.dataset.start;
        if (!joined) { break; }
        found.push(b);
      }
      return found;
    }

    grid.addEventListener("pointerdown", function (event) {
      var link = event.target.closest("a[data-cal-free]");
      if (!link || event.button !== 0 || event.pointerType === "touch"
          || link.closest(".is-slot")) { return; }
      start = link;
      clear();
    });
    grid.addEventListener("pointerover", function (event) {
      if (!start) { return; }
      var link = event.target.closest("a[data-cal-free]");
      if (!link || link.closest("[data-cal-day]") !== start.closest("[data-cal-day]")) { return; }
      clear();
      selected = run(start, link);
      selected.forEach(function (a) { a.classList.add("is-selected"); });
    });
    document.addEventListener("pointerup", function () {
      if (!start) { return; }
      var picked = selected.slice();
      start = null;
      if (picked.length < 2) { clear(); return; }
      picked.sort(function (a, b) { return a.dataset.start < b.dataset.start ? -1 : 1; });
      var url = new URL(picked[0].href, window.location.href);
      url.searchParams.set("start", picked[0].dataset.start);
      url.searchParams.set("end", picked[picked.length - 1].dataset.until);
      window.location.assign(url.toString());
    });
    grid.addEventListener("click", function (event) {
      if (selected.length > 1) { event.preventDefault(); }
    });
    grid.addEventListener("dragstart", function (event) {
      if (event.target.closest && event.target.closest("a[data-cal-free]")) { event.preventDefault(); }
    });
  }

  // Dragging needs a mouse or pen: say that it exists only where it works.
  if (window.matchMedia && window.matchMedia("(pointer: fine)").matches) {
    document.querySelectorAll("[data-cal-drag-hint]").forEach(function (hint) { hint.hidden = false; });
  }

  document.querySelectorAll("[data-cal-grid]").forEach(function (grid) {
    grid.addEventListener("keydown", function (event) { moveInGrid(grid, event); });
    enableDrag(grid);
  });
  document.querySelectorAll("[data-cal-timeline]").forEach(function (table) {
    table.addEventListener("keydown", function (event) { moveInTimeline(table, event); });
  });
}());
