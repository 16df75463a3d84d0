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

// @mentions in an activity's notes (textarea[data-mentions]): typing "@an" lists up to ten active
// colleagues (username and full name) below the field; a click or Enter inserts "@username ".
(function () {
  let timer = null;
  function tokenBefore(area) {
    const before = area.value.slice(0, area.selectionStart);
    const match = /(^|[^\w@.+-])@([\w.+-]{1,30})$/.exec(before);
    return match ? match[2] : null;
  }
  function listFor(area) {
    let list = document.getElementById(area.id + "-mentions");
    if (!list) {
      list = document.createElement("ul");
      list.id = area.id + "-mentions";
      list.className = "list-group mt-1";
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", "Colleagues to mention");
      area.setAttribute("aria-controls", list.id);
      area.insertAdjacentElement("afterend", list);
    }
    return list;
  }
  function insert(area, username) {
    const start = area.selectionStart;
    const before = area.value.slice(0, start).replace(/@[\w.+-]*$/, "@" + username + " ");
    area.value = before + area.value.slice(start);
    area.selectionStart = area.selectionEnd = before.length;
    listFor(area).replaceChildren();
    area.focus();
  }
  document.addEventListener("input", function (event) {
    const area = event.target.closest && event.target.closest("textarea[data-mentions]");
    if (!area) return;
    const token = tokenBefore(area);
    clearTimeout(timer);
    if (!token) { listFor(area).replaceChildren(); return; }
    timer = setTimeout(function () {
      fetch(area.dataset.mentions + "?q=" + encodeURIComponent(token), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { people: [] }; })
        .then(function (data) {
          const list = listFor(area);
          list.replaceChildren(...data.people.map(function (person) {
            const item = document.createElement("li");
            const button = document.createElement("button");
            button.type = "button";
            button.className = "list-group-item list-group-item-action py-1";
            button.setAttribute("role", "option");
            button.dataset.username = person.username;
            button.textContent = person.name + " (@" + person.username + ")";
            button.addEventListener("click", function () { insert(area, person.username); });
            item.appendChild(button);
            return item;
          }));
        });
    }, 150);
  });
})();
