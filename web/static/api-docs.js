// Starts the vendored Swagger UI on /docs: a file, not an inline script, so the page keeps the site's CSP.
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null, // the public validator is another site: nothing leaves this server
    withCredentials: true,
  });
});
