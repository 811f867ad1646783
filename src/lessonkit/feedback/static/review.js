// Reviewer form: show only the sections of the chosen episode (works without it too).
(function () {
  "use strict";
  var page = document.getElementById("page");
  var section = document.getElementById("section");
  if (!page || !section || page.tagName !== "SELECT") return;
  function update() {
    var groups = section.querySelectorAll("optgroup");
    for (var i = 0; i < groups.length; i++) {
      var match = groups[i].getAttribute("data-page") === page.value;
      groups[i].hidden = !match;
      groups[i].disabled = !match;
    }
    var chosen = section.options[section.selectedIndex];
    if (chosen && chosen.parentNode.tagName === "OPTGROUP" && chosen.parentNode.disabled) section.value = "";
  }
  page.addEventListener("change", update);
  update();
})();
