/* Passerelles - the coverage map of a network's territory: one circle per département,
 * coloured by its gaps (templates/facilitators/coverage.html).
 *
 *   <div data-coverage-map
 *        data-dots='[{"lat": 50.5, "lon": 3.1, "level": "none|few|covered", "label": "…"}]'
 *        data-tiles="https://…/{z}/{x}/{y}.png"   (optional: no tiles if absent)
 *        data-attribution="© OpenStreetMap"></div>
 *
 * Colours as Bootstrap's danger / warning / success. Does nothing (and never throws) when
 * Leaflet is not loaded: the table below the map holds the same figures.
 */
(function () {
  'use strict';

  var FRANCE = [46.6, 2.4];
  var COLOURS = { none: '#dc3545', few: '#fd7e14', covered: '#198754' };
  var RADIUS = { none: 12, few: 10, covered: 7 };

  function readJSON(el, name) {
    var raw = el.getAttribute(name);
    if (!raw) { return null; }
    try { return JSON.parse(raw); } catch (e) { return null; }
  }

  function initMap(el) {
    var L = window.L;
    if (el.getAttribute('data-map-ready')) { return; }
    el.setAttribute('data-map-ready', '1');
    var map = L.map(el, { scrollWheelZoom: false });
    var tiles = el.getAttribute('data-tiles');
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: el.getAttribute('data-attribution') || '' })
        .addTo(map);
    }
    var bounds = L.latLngBounds([]);
    var dots = readJSON(el, 'data-dots');
    (Array.isArray(dots) ? dots : []).forEach(function (d) {
      var lat = Number(d.lat), lon = Number(d.lon);
      if (!isFinite(lat) || !isFinite(lon)) { return; }
      var level = COLOURS[d.level] ? d.level : 'covered';
      var label = document.createElement('span');
      label.textContent = String(d.label || '');
      L.circleMarker([lat, lon], {
        radius: RADIUS[level], color: COLOURS[level], fillColor: COLOURS[level],
        fillOpacity: 0.6, weight: 2
      }).bindTooltip(label).bindPopup(label.cloneNode(true)).addTo(map);
      bounds.extend([lat, lon]);
    });
    if (!bounds.isValid()) {
      map.setView(FRANCE, 5);
    } else {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 9 });
    }
  }

  function initAll() {
    if (!window.L || typeof window.L.map !== 'function') { return; }
    var els = document.querySelectorAll('[data-coverage-map]');
    for (var i = 0; i < els.length; i++) {
      try { initMap(els[i]); } catch (e) {
        if (window.console) { window.console.error('coverage_map.js:', e); }
      }
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', initAll);
  } else {
    initAll();
  }
}());
