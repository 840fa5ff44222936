/* Passerelles - initialise Leaflet maps declared in HTML (see the map() macro).
 *
 *   <div data-map
 *        data-markers='[{"lat": 48.85, "lon": 2.35, "label": "…", "url": "/…"}]'
 *        data-circle='{"lat": 48.85, "lon": 2.35, "radius_km": 30}'   (optional)
 *        data-area='[[south, west], [north, east]]'                     (optional: a zone's extent)
 *        data-tiles="https://…/{z}/{x}/{y}.png"                         (optional: no tiles if absent)
 *        data-attribution="© OpenStreetMap"                             (optional)
 *        data-icons="/static/vendor/leaflet/images/"></div>
 *
 * Does nothing (and never throws) when Leaflet is not loaded.
 */
(function () {
  'use strict';

  var FRANCE = [46.6, 2.4];

  function readJSON(el, name) {
    var raw = el.getAttribute(name);
    if (!raw) { return null; }
    try { return JSON.parse(raw); } catch (e) { return null; }
  }

  function point(obj) {
    if (!obj) { return null; }
    var lat = Number(obj.lat), lon = Number(obj.lon);
    if (!isFinite(lat) || !isFinite(lon) || obj.lat === null || obj.lon === null) { return null; }
    return window.L.latLng(lat, lon);
  }

  function safeUrl(url) {
    if (typeof url !== 'string' || !url) { return null; }
    try {
      var parsed = new URL(url, window.location.href);
      return (parsed.protocol === 'http:' || parsed.protocol === 'https:') ? url : null;
    } catch (e) { return null; }
  }

  function popupContent(marker) {
    var label = String(marker.label || '');
    var url = safeUrl(marker.url);
    var node = document.createElement(url ? 'a' : 'span');
    node.textContent = label;
    if (url) { node.href = url; }
    return node;
  }

  function initMap(el) {
    var L = window.L;
    if (el.getAttribute('data-map-ready')) { return; }
    el.setAttribute('data-map-ready', '1');

    var icons = el.getAttribute('data-icons');
    if (icons) {
      L.Icon.Default.imagePath = icons.charAt(icons.length - 1) === '/' ? icons : icons + '/';
    }

    var map = L.map(el, { scrollWheelZoom: false });
    var tiles = el.getAttribute('data-tiles');
    if (tiles) {
      L.tileLayer(tiles, {
        maxZoom: 19,
        attribution: el.getAttribute('data-attribution') || ''
      }).addTo(map);
    }

    var bounds = L.latLngBounds([]);
    var markers = readJSON(el, 'data-markers');
    (Array.isArray(markers) ? markers : []).forEach(function (m) {
      var ll = point(m);
      if (!ll) { return; }
      var label = String(m.label || '');
      L.marker(ll, { title: label, alt: label }).bindPopup(popupContent(m)).addTo(map);
      bounds.extend(ll);
    });

    var circle = readJSON(el, 'data-circle');
    var centre = point(circle);
    var radius = circle ? Number(circle.radius_km) * 1000 : NaN;
    if (centre && isFinite(radius) && radius > 0) {
      L.circle(centre, { radius: radius, weight: 2, fillOpacity: 0.08, interactive: false }).addTo(map);
      bounds.extend(centre.toBounds(radius * 2));
    }

    var area = readJSON(el, 'data-area');
    if (Array.isArray(area) && area.length === 2) {
      var south = point({ lat: area[0][0], lon: area[0][1] });
      var north = point({ lat: area[1][0], lon: area[1][1] });
      if (south && north) {
        var extent = L.latLngBounds(south, north);
        L.rectangle(extent, { weight: 2, dashArray: '6 4', fillOpacity: 0.06, interactive: false })
          .addTo(map);
        bounds.extend(extent);
      }
    }

    if (!bounds.isValid()) {
      map.setView(FRANCE, 5);
    } else if (bounds.getNorthEast().equals(bounds.getSouthWest())) {
      map.setView(bounds.getCenter(), 13);
    } else {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
    }
  }

  function initAll() {
    if (!window.L || typeof window.L.map !== 'function') { return; }
    var els = document.querySelectorAll('[data-map]');
    for (var i = 0; i < els.length; i++) {
      try { initMap(els[i]); } catch (e) {
        if (window.console) { window.console.error('map.js:', e); }
      }
    }
  }

  // For pages that replace their content (live search results): set up new maps.
  window.PasserellesMaps = { initAll: initAll };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', initAll);
  } else {
    initAll();
  }
}());
