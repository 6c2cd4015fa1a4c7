// La progression d'une campagne lancée, mise à jour sans recharger la page : l'état est demandé à
// l'API (même session) toutes les 3 secondes et écrit dans la zone role="status". Une fois la
// campagne terminée ou en échec, la page se recharge pour montrer les résultats. Sans JavaScript,
// le bouton « Actualiser » recharge la page.
(function () {
  "use strict";
  var zone = document.getElementById("progression");
  var etat = document.getElementById("progression-etat");
  var texte = document.getElementById("progression-texte");
  var barre = document.getElementById("barre-progression");
  if (!zone || !etat || !texte || !barre) { return; }
  var campagne = zone.getAttribute("data-campagne");
  var LIBELLES = { en_attente: "En file d'attente", en_cours: "En cours de traitement" };

  function ecrire(noeud, valeur) {
    // Réécrire un texte identique ferait relire la zone par les lecteurs d'écran.
    if (noeud.textContent !== valeur) { noeud.textContent = valeur; }
  }

  function afficher(reponse) {
    if (reponse.etat !== "en_attente" && reponse.etat !== "en_cours") {
      ecrire(texte, "Traitement fini : la page se recharge pour montrer le résultat.");
      window.location.reload();
      return false;
    }
    var p = reponse.progression;
    ecrire(etat, LIBELLES[reponse.etat]);
    ecrire(texte, reponse.etat === "en_attente"
      ? "La campagne attend qu'un travailleur la prenne (étape : " + p.etape + ")."
      : "Étape en cours : " + p.etape + " — " + p.pourcentage + " %.");
    barre.value = p.pourcentage;
    barre.textContent = p.pourcentage + " %";
    return true;
  }

  function interroger() {
    fetch("/api/v1/campagnes/" + encodeURIComponent(campagne), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (reponse) {
      if (afficher(reponse)) { setTimeout(interroger, 3000); }
    }).catch(function () {
      // Session expirée ou service injoignable : le bouton « Actualiser » reste là.
      ecrire(texte, texte.textContent.replace(/ \(suivi automatique interrompu.*$/, "") +
        " (suivi automatique interrompu : utilisez « Actualiser ».)");
    });
  }
  setTimeout(interroger, 1500);
}());
