// The review's print page: a button with data-print opens the browser's print dialog (no inline script: CSP).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
