/* Passerelles - live updates of the search page (templates/search_ui/search.html).
 *
 * The page works without this file: a plain GET form. With it, changing a criterion
 * fetches the results fragment (?partial=1), swaps it in place and rewrites the address
 * (history.replaceState) so it can still be shared; the search box gets suggestions from
 * /recherche/suggestions. Focus stays where the visitor is; the results count is a live
 * region announced by screen readers.
 */
(function () {
  'use strict';

  var form = document.querySelector('[data-search-form]');
  if (!form || !window.fetch || !window.URLSearchParams || !window.FormData || !window.history) {
    return;
  }
  var results = document.getElementById(form.getAttribute('data-results'));
  if (!results) { return; }

  var TYPING_DELAY = 350;
  var SUGGEST_DELAY = 150;
  var timer = null;
  var controller = null;
  var latest = 0;
  var lastQuery = currentQuery();

  /* The form's values as a query string, without empty fields (shorter, cleaner URLs). */
  function currentQuery() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (typeof value === 'string' && value.trim() !== '') { params.append(key, value); }
    });
    return params.toString();
  }

  function pageUrl(query) {
    return form.action + (query ? '?' + query : '');
  }

  /* Invalid fields of the previous answer stop looking invalid once the server accepts them. */
  function markInvalid(names) {
    var invalid = names ? names.split(' ') : [];
    var controls = form.querySelectorAll('[name]');
    for (var i = 0; i < controls.length; i++) {
      var control = controls[i];
      var bad = invalid.indexOf(control.name) !== -1;
      control.classList.toggle('is-invalid', bad);
      if (bad) { control.setAttribute('aria-invalid', 'true'); } else { control.removeAttribute('aria-invalid'); }
    }
    var messages = form.querySelectorAll('[data-error-for]');
    for (var j = 0; j < messages.length; j++) {
      messages[j].hidden = invalid.indexOf(messages[j].getAttribute('data-error-for')) === -1;
    }
  }

  /* The counts beside the filters (in the form, outside the fragment) follow the results. */
  function updateCounts(raw) {
    var facets;
    try { facets = JSON.parse(raw || '{}'); } catch (e) { return; }
    var counted = form.querySelectorAll('[data-facet]');
    for (var i = 0; i < counted.length; i++) {
      var node = counted[i];
      var values = facets[node.getAttribute('data-facet')];
      if (!values) { continue; }
      var count = values[node.getAttribute('data-value') || node.value] || 0;
      node.textContent = node.tagName === 'OPTION'
        ? node.getAttribute('data-label') + ' (' + count + ')'
        : '(' + count + ')';
    }
  }

  /* New result fragments bring a new map element: map.js sets up the ones not yet done. */
  function refreshMaps() {
    if (window.PasserellesMaps) { window.PasserellesMaps.initAll(); }
  }

  function swap(html) {
    var template = document.createElement('template');
    template.innerHTML = html;
    var fresh = template.content;
    var oldStatus = results.querySelector('[data-search-status]');
    var newStatus = fresh.querySelector('[data-search-status]');
    var oldBody = results.querySelector('[data-search-body]');
    var newBody = fresh.querySelector('[data-search-body]');
    if (!oldStatus || !newStatus || !oldBody || !newBody) { return false; }
    // The live region stays in the page; only its text changes, which is what gets announced.
    oldStatus.textContent = newStatus.textContent.replace(/\s+/g, ' ').trim();
    oldBody.parentNode.replaceChild(newBody, oldBody);
    markInvalid(newBody.getAttribute('data-invalid-fields'));
    updateCounts(newBody.getAttribute('data-facets'));
    refreshMaps();
    return true;
  }

  function load(query, moveFocus) {
    lastQuery = query;
    var ticket = ++latest;
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    results.setAttribute('aria-busy', 'true');
    var url = pageUrl(query);
    fetch(pageUrl(query ? query + '&partial=1' : 'partial=1'), {
      credentials: 'same-origin',
      headers: { 'Accept': 'text/html' },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      // 400 carries a fragment too (with the errors); anything else: load the whole page.
      if (!response.ok && response.status !== 400) { throw new Error('HTTP ' + response.status); }
      return response.text();
    }).then(function (html) {
      if (ticket !== latest) { return; }
      if (!swap(html)) { window.location.assign(url); return; }
      window.history.replaceState(null, '', url);
      if (moveFocus) {
        // The link that was clicked is gone: give focus to the results' heading.
        var heading = results.querySelector('h2[tabindex]');
        if (heading) { heading.focus(); }
      }
    }).catch(function (error) {
      if (error && error.name === 'AbortError') { return; }
      window.location.assign(url);
    }).then(function () {
      if (ticket === latest) { results.removeAttribute('aria-busy'); }
    });
  }

  function scheduleUpdate(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var query = currentQuery();
      if (query !== lastQuery) { load(query, false); }
    }, delay);
  }

  form.addEventListener('input', function (event) {
    var type = event.target.type;
    // A code is only worth searching once whole (data-live-length): no error while typing.
    var whole = Number(event.target.getAttribute('data-live-length'));
    var typed = (event.target.value || '').trim().length;
    if (whole && typed > 0 && typed < whole) { window.clearTimeout(timer); return; }
    // Typing waits for a pause; ticking a box or choosing an option answers at once.
    scheduleUpdate(type === 'checkbox' || type === 'radio' || event.target.tagName === 'SELECT' ? 0 : TYPING_DELAY);
  });
  form.addEventListener('change', function () { scheduleUpdate(0); });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    load(currentQuery(), false);
  });

  results.addEventListener('click', function (event) {
    var link = event.target.closest ? event.target.closest('.pagination a[href]') : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    event.preventDefault();
    var query = new URL(link.href, window.location.href).searchParams;
    query.delete('partial');
    load(query.toString(), true);
  });

  /* Suggestions for the search box, in its <datalist>. */
  var box = form.querySelector('input[list]');
  var list = box ? document.getElementById(box.getAttribute('list')) : null;
  var suggestUrl = form.getAttribute('data-suggestions');
  var suggestTimer = null;
  var suggestTicket = 0;
  if (box && list && suggestUrl) {
    box.addEventListener('input', function () {
      window.clearTimeout(suggestTimer);
      var prefix = box.value.trim();
      if (prefix.length < 2) { return; }
      suggestTimer = window.setTimeout(function () {
        var ticket = ++suggestTicket;
        fetch(suggestUrl + '?' + new URLSearchParams({ q: prefix }).toString(), {
          credentials: 'same-origin',
          headers: { 'Accept': 'application/json' }
        }).then(function (response) {
          return response.ok ? response.json() : { suggestions: [] };
        }).then(function (data) {
          if (ticket !== suggestTicket || !data || !Array.isArray(data.suggestions)) { return; }
          while (list.firstChild) { list.removeChild(list.firstChild); }
          data.suggestions.forEach(function (name) {
            var option = document.createElement('option');
            option.value = String(name);
            list.appendChild(option);
          });
        }).catch(function () { /* suggestions are a convenience: ignore failures */ });
      }, SUGGEST_DELAY);
    });
  }
}());
