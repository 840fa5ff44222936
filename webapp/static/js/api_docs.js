/* Passerelles - the API's interactive documentation (templates/api/docs.html).
 *
 * Swagger UI (vendored, static/vendor/swagger-ui) reads the generated OpenAPI document
 * named by data-spec-url. Started from this file rather than an inline script: the
 * Content-Security-Policy allows our own scripts only. No validator badge (it would load
 * an image from another site).
 */
(function () {
  'use strict';

  var root = document.getElementById('api-docs');
  if (!root || !window.SwaggerUIBundle) { return; }
  window.SwaggerUIBundle({
    url: root.getAttribute('data-spec-url'),
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: false
  });
}());
