/* Passerelles - intervention zone editor (enhancement only: the form works without it).
 *
 *  - <form data-zone-editor data-suggest-url="…/zone/divisions">: a search box (shown only
 *    with JavaScript) suggests divisions from the JSON endpoint in a <datalist>; "Ajouter"
 *    appends the chosen "type:code" to the divisions text field.
 *  - <div data-zone-map data-lat data-lon …>: a Leaflet preview of the radius typed in
 *    the radius field, redrawn as it changes.
 * Never throws; does nothing when its elements (or Leaflet, for the map) are missing.
 */
(function () {
  'use strict';

  var DELAY_MS = 200;

  function initSuggest(form) {
    var box = form.querySelector('[data-zone-search]');
    var input = form.querySelector('#zone-search');
    var list = form.querySelector('#zone-search-options');
    var button = form.querySelector('[data-zone-add]');
    var target = form.querySelector('textarea[name="divisions"]');
    var url = form.getAttribute('data-suggest-url');
    if (!box || !input || !list || !button || !target || !url || !window.fetch) { return; }
    box.hidden = false;

    var timer = null;
    var known = {};  // the text of a suggestion -> its "type:code" value

    function fill(items) {
      list.textContent = '';
      known = {};
      (Array.isArray(items) ? items : []).forEach(function (item) {
        if (!item || typeof item.value !== 'string' || typeof item.label !== 'string') { return; }
        var option = document.createElement('option');
        option.value = item.label;
        list.appendChild(option);
        known[item.label] = item.value;
      });
    }

    input.addEventListener('input', function () {
      if (timer) { window.clearTimeout(timer); }
      var q = input.value.trim();
      if (q.length < 2 || known[q]) { return; }
      timer = window.setTimeout(function () {
        window.fetch(url + '?q=' + encodeURIComponent(q), {
          credentials: 'same-origin', headers: { 'Accept': 'application/json' }
        }).then(function (response) {
          return response.ok ? response.json() : [];
        }).then(fill).catch(function () { fill([]); });
      }, DELAY_MS);
    });

    function add() {
      var text = input.value.trim();
      // A typed "type:code" is accepted as is; a chosen suggestion gives its value.
      var value = known[text] || (/^[a-zé]+:[0-9A-Za-z]+$/.test(text) ? text : null);
      if (!value) { input.focus(); return; }
      var current = target.value.split(/[,;\n]+/).map(function (s) { return s.trim(); })
        .filter(function (s) { return s; });
      if (current.indexOf(value) === -1) { current.push(value); }
      target.value = current.join(', ');
      input.value = '';
      input.focus();
    }

    button.addEventListener('click', add);
    input.addEventListener('keydown', function (event) {
      if (event.key === 'Enter') { event.preventDefault(); add(); }
    });
  }

  function initMap(el, form) {
    var L = window.L;
    if (!L || typeof L.map !== 'function') { return; }
    var lat = Number(el.getAttribute('data-lat'));
    var lon = Number(el.getAttribute('data-lon'));
    if (!isFinite(lat) || !isFinite(lon)) { return; }
    var icons = el.getAttribute('data-icons');
    if (icons) { L.Icon.Default.imagePath = icons; }
    var map = L.map(el, { scrollWheelZoom: false });
    var tiles = el.getAttribute('data-tiles');
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: el.getAttribute('data-attribution') || '' })
        .addTo(map);
    }
    var centre = L.latLng(lat, lon);
    var label = el.getAttribute('data-label') || '';
    L.marker(centre, { title: label, alt: label }).addTo(map);
    var circle = null;
    var radiusInput = form ? form.querySelector('input[name="radius_km"]') : null;

    function draw() {
      var km = radiusInput ? Number(radiusInput.value) : NaN;
      if (circle) { map.removeLayer(circle); circle = null; }
      if (isFinite(km) && km > 0 && km <= 1000) {
        circle = L.circle(centre, { radius: km * 1000, weight: 2, fillOpacity: 0.08, interactive: false })
          .addTo(map);
        map.fitBounds(circle.getBounds(), { padding: [16, 16] });
      } else {
        map.setView(centre, 9);
      }
    }
    if (radiusInput) { radiusInput.addEventListener('input', draw); }
    draw();
  }

  function init() {
    var forms = document.querySelectorAll('form[data-zone-editor]');
    for (var i = 0; i < forms.length; i++) {
      try {
        initSuggest(forms[i]);
        var el = forms[i].querySelector('[data-zone-map]');
        if (el) { initMap(el, forms[i]); }
      } catch (e) {
        if (window.console) { window.console.error('zone_editor.js:', e); }
      }
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
