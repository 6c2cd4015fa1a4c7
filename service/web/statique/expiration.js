// Annonce la fin de session avant qu'elle arrive (RGAA 13.1) et permet de la prolonger sans quitter
// la page : ce qui est saisi dans un formulaire reste en place. Sans JavaScript, la page marche ;
// seul l'avertissement manque.
(function () {
  "use strict";
  var corps = document.body;
  var bloc = document.getElementById("expiration");
  var bouton = document.getElementById("expiration-prolonger");
  var texte = document.getElementById("expiration-texte");
  if (!bloc || !bouton || !texte) { return; }
  var inactiviteMs = Number(corps.getAttribute("data-inactivite-minutes")) * 60000;
  var finMax = Date.parse(corps.getAttribute("data-expire-le"));
  // Prévenir 2 minutes avant, ou au tiers restant pour une session très courte.
  var preavisMs = Math.min(120000, inactiviteMs / 3);
  var minuteur = null;

  function fin() { return Math.min(Date.now() + inactiviteMs, isNaN(finMax) ? Infinity : finMax); }

  function armer() {
    var echeance = fin();
    if (minuteur) { clearTimeout(minuteur); }
    minuteur = setTimeout(function () { prevenir(echeance); }, Math.max(0, echeance - Date.now() - preavisMs));
  }

  function prevenir(echeance) {
    var minutes = Math.max(1, Math.round((echeance - Date.now()) / 60000));
    var heure = new Date(echeance).toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });
    if (!isNaN(finMax) && echeance >= finMax) {
      texte.textContent = "Votre session atteint sa durée maximale et se fermera à " + heure +
        " (dans environ " + minutes + " min). Enregistrez ce que vous saisissez, puis reconnectez-vous.";
      bouton.hidden = true;
    } else {
      texte.textContent = "Sans activité, votre session se fermera à " + heure + " (dans environ " + minutes +
        " min). Ce que vous avez saisi reste sur la page.";
      bouton.hidden = false;
    }
    bloc.hidden = false;
  }

  bouton.addEventListener("click", function () {
    fetch("/api/v1/session", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (reponse) {
        if (reponse.ok) {
          bloc.hidden = true;
          armer();
        } else {
          texte.textContent = "Votre session est déjà fermée. Copiez ce que vous avez saisi, puis reconnectez-vous.";
          bouton.hidden = true;
        }
      })
      .catch(function () {
        texte.textContent = "Le service ne répond pas. Vérifiez votre connexion, puis réessayez.";
      });
  });
  armer();
})();
