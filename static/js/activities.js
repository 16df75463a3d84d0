// Activities: small behaviour without inline scripts (the Content-Security-Policy forbids them).
document.addEventListener("submit", function (event) {
  // "Open plan": go to /activities/plans/<partner>/<quarter>/ for the chosen partner.
  const form = event.target.closest("#open-plan-form");
  if (!form) return;
  event.preventDefault();
  const partner = form.querySelector("#plan-partner").value;
  const quarter = form.querySelector("#plan-quarter").value;
  if (partner) window.location.href = form.dataset.planUrl + encodeURIComponent(partner) + "/" + encodeURIComponent(quarter) + "/";
});
