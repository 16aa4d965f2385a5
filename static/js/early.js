// Runs before first paint (loaded without defer from <head>): marks the document as scripted so
// no-JS fallbacks never flash. A file, not an inline script, so the Content-Security-Policy can
// forbid inline scripts altogether.
document.documentElement.classList.add("js");
