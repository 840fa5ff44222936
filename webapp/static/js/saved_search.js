/* "Enregistrer cette recherche": search.js updates the page's address as the criteria
 * change (history.replaceState), so the search to keep is read from the address at the
 * moment the form is sent, not from when the page was first drawn. */
(function () {
  'use strict';
  document.querySelectorAll('form[data-save-search]').forEach(function (form) {
    form.addEventListener('submit', function () {
      var field = form.querySelector('input[name="query_string"]');
      if (field) {
        field.value = window.location.search.replace(/^\?/, '');
      }
    });
  });
})();
