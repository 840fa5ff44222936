/* Passerelles - completion of the intention form's CPV field by label
 * (templates/intentions/form.html).
 *
 * The form works without this file: the field takes codes typed by hand. With it, words
 * typed after the codes ("nettoyage bât") are looked up in the CPV 2008 nomenclature
 * (GET data-cpv-complete?q=...) and the codes found are offered below the field; choosing
 * one replaces the words by its code. Arrow keys move through the list, Escape closes it;
 * the number of codes found is announced by screen readers.
 */
(function () {
  'use strict';

  var input = document.querySelector('[data-cpv-complete]');
  if (!input || !window.fetch || !window.URLSearchParams) { return; }
  var url = input.getAttribute('data-cpv-complete');
  var DELAY = 200;
  var timer = null;
  var ticket = 0;

  var list = document.createElement('ul');
  list.id = input.id + '-suggestions';
  list.className = 'list-group mt-1';
  list.hidden = true;
  var status = document.createElement('div');
  status.className = 'visually-hidden';
  status.setAttribute('role', 'status');
  input.setAttribute('aria-controls', list.id);
  input.setAttribute('autocomplete', 'off');
  input.insertAdjacentElement('afterend', list);
  list.insertAdjacentElement('afterend', status);

  /* The codes already typed, and the words after them (the query). */
  function parts() {
    var found = input.value.match(/^((?:\s*\d{8}(?:-\d)?(?:[\s,;]+|$))*)(.*)$/);
    return { codes: found ? found[1] : '', query: found ? found[2].trim() : input.value.trim() };
  }

  function close() {
    list.hidden = true;
    list.textContent = '';
  }

  function choose(code) {
    var current = parts().codes.replace(/[\s,;]*$/, '');
    input.value = (current ? current + ' ' : '') + code + ' ';
    close();
    input.focus();
  }

  function show(results) {
    list.textContent = '';
    results.forEach(function (entry) {
      var item = document.createElement('li');
      item.className = 'list-group-item p-0';
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'btn btn-link text-start w-100 px-2 py-1';
      button.textContent = entry.code + ' ' + entry.label;
      button.setAttribute('data-code', entry.code);
      button.addEventListener('click', function () { choose(entry.code); });
      item.appendChild(button);
      list.appendChild(item);
    });
    list.hidden = results.length === 0;
    status.textContent = results.length
      ? input.getAttribute('data-cpv-found').replace('%(n)s', String(results.length))
      : input.getAttribute('data-cpv-none');
  }

  input.addEventListener('input', function () {
    window.clearTimeout(timer);
    var query = parts().query;
    if (query.length < 2) { close(); return; }
    timer = window.setTimeout(function () {
      var mine = ++ticket;
      fetch(url + '?' + new URLSearchParams({ q: query, limit: '10' }).toString(), {
        headers: { Accept: 'application/json' }
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (body) { if (mine === ticket) { show(body.results || []); } })
        .catch(function () { close(); });
    }, DELAY);
  });

  function buttons() { return Array.prototype.slice.call(list.querySelectorAll('button')); }

  input.addEventListener('keydown', function (event) {
    if (event.key === 'ArrowDown' && !list.hidden) {
      var first = buttons()[0];
      if (first) { event.preventDefault(); first.focus(); }
    } else if (event.key === 'Escape') {
      close();
    }
  });

  list.addEventListener('keydown', function (event) {
    var all = buttons();
    var at = all.indexOf(document.activeElement);
    if (event.key === 'ArrowDown' && at < all.length - 1) {
      event.preventDefault(); all[at + 1].focus();
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      if (at > 0) { all[at - 1].focus(); } else { input.focus(); }
    } else if (event.key === 'Escape') {
      close(); input.focus();
    }
  });
})();
