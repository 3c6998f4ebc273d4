//! What the widget says, in English, French and Spanish, and how it writes numbers, prices and
//! data volumes for the shopper's locale (through the browser's `Intl`).

use esim_core::volume::{ScaledVolume, VolumeUnit};
use esim_core::{Lifecycle, Money, Validity, ValidityUnit, Volume};
use wasm_bindgen::JsValue;

/// A language the widget speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Locale {
    #[default]
    En,
    Fr,
    Es,
}

/// Every fixed text of the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Msg {
    WhereTo,
    SearchPlaceholder,
    Popular,
    TabLocal,
    TabRegional,
    TabGlobal,
    Loading,
    NoDestinations,
    NoPlans,
    LoadFailed,
    Retry,
    Change,
    SortBy,
    SortPrice,
    SortData,
    SortDays,
    SortPricePerGb,
    OnlyUnlimited,
    Unlimited,
    PerGb,
    Coverage,
    Networks,
    TopUpAvailable,
    TopUpUnavailable,
    ChoosePlan,
    Back,
    From,
    PlansFor,
    Offline,
    Checkout,
    Quantity,
    Currency,
    Email,
    EmailInvalid,
    Terms,
    TermsRequired,
    Total,
    TestPayment,
    PlaceOrder,
    PlaceTestOrder,
    Placing,
    Provisioning,
    OrderFailed,
    NotCharged,
    OrderChecking,
    OrderReady,
    ScanQr,
    InstallIphone,
    ManualInstall,
    SmdpAddress,
    ActivationCode,
    Copy,
    Copied,
    AndroidSteps,
    Apn,
    QrOnce,
    QrLabel,
    ShopMore,
    MyEsims,
    NoEsims,
    DataUsage,
    NotStarted,
    UsageUnknown,
    FilterData,
    FilterDays,
    FilterPrice,
    Any,
    Details,
    BackToEsims,
    Refresh,
    Refreshing,
    Updated,
    Install,
    History,
    TopUpBadge,
    AddData,
    ChooseTopUp,
    NoTopUps,
    ConfirmTopUp,
    TopUpDone,
    Adding,
    CancelEsim,
    CancelQuestion,
    CancelExplain,
    KeepEsim,
    ConfirmCancel,
    Cancelling,
    CancelDone,
    CancelNotAllowed,
    Close,
    TabShop,
    FindPlan,
    CannotInstall,
}

impl Locale {
    /// Picks a supported locale from a BCP 47 tag ("fr-CA" is French).
    pub(crate) fn parse(tag: &str) -> Option<Locale> {
        match tag.trim().get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("en") => Some(Locale::En),
            Some("fr") => Some(Locale::Fr),
            Some("es") => Some(Locale::Es),
            _ => None,
        }
    }

    /// Returns the locale asked for, else the browser's language, else English.
    pub(crate) fn choose(asked: Option<&str>) -> Locale {
        asked
            .and_then(Locale::parse)
            .or_else(|| {
                web_sys::window()
                    .and_then(|w| w.navigator().language())
                    .and_then(|l| Locale::parse(&l))
            })
            .unwrap_or_default()
    }

    /// Returns the BCP 47 tag given to `Intl`.
    pub(crate) fn tag(&self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
            Locale::Es => "es",
        }
    }

    /// Returns a fixed text.
    pub(crate) fn t(&self, msg: Msg) -> &'static str {
        use Locale::*;
        use Msg::*;
        match (msg, self) {
            (WhereTo, En) => "Where are you travelling?",
            (WhereTo, Fr) => "Où partez-vous ?",
            (WhereTo, Es) => "¿A dónde viajas?",
            (SearchPlaceholder, En) => "Search a country or region",
            (SearchPlaceholder, Fr) => "Rechercher un pays ou une région",
            (SearchPlaceholder, Es) => "Busca un país o una región",
            (Popular, En) => "Popular destinations",
            (Popular, Fr) => "Destinations populaires",
            (Popular, Es) => "Destinos populares",
            (TabLocal, En) => "Local eSIMs",
            (TabLocal, Fr) => "eSIM locales",
            (TabLocal, Es) => "eSIM locales",
            (TabRegional, En) => "Regional eSIMs",
            (TabRegional, Fr) => "eSIM régionales",
            (TabRegional, Es) => "eSIM regionales",
            (TabGlobal, En) => "Global eSIMs",
            (TabGlobal, Fr) => "eSIM mondiales",
            (TabGlobal, Es) => "eSIM globales",
            (Loading, En) => "Loading…",
            (Loading, Fr) => "Chargement…",
            (Loading, Es) => "Cargando…",
            (NoDestinations, En) => "No destination matches your search.",
            (NoDestinations, Fr) => "Aucune destination ne correspond à votre recherche.",
            (NoDestinations, Es) => "Ningún destino coincide con tu búsqueda.",
            (NoPlans, En) => "No plan matches these filters.",
            (NoPlans, Fr) => "Aucun forfait ne correspond à ces filtres.",
            (NoPlans, Es) => "Ningún plan coincide con estos filtros.",
            (LoadFailed, En) => "We could not load this.",
            (LoadFailed, Fr) => "Impossible de charger ce contenu.",
            (LoadFailed, Es) => "No pudimos cargar esto.",
            (Retry, En) => "Try again",
            (Retry, Fr) => "Réessayer",
            (Retry, Es) => "Reintentar",
            (Change, En) => "Change",
            (Change, Fr) => "Modifier",
            (Change, Es) => "Cambiar",
            (SortBy, En) => "Sort by",
            (SortBy, Fr) => "Trier par",
            (SortBy, Es) => "Ordenar por",
            (SortPrice, En) => "Price",
            (SortPrice, Fr) => "Prix",
            (SortPrice, Es) => "Precio",
            (SortData, En) => "Most data",
            (SortData, Fr) => "Plus de données",
            (SortData, Es) => "Más datos",
            (SortDays, En) => "Longest validity",
            (SortDays, Fr) => "Validité la plus longue",
            (SortDays, Es) => "Mayor validez",
            (SortPricePerGb, En) => "Price per GB",
            (SortPricePerGb, Fr) => "Prix par Go",
            (SortPricePerGb, Es) => "Precio por GB",
            (OnlyUnlimited, En) => "Unlimited only",
            (OnlyUnlimited, Fr) => "Illimités seulement",
            (OnlyUnlimited, Es) => "Solo ilimitados",
            (Unlimited, En) => "Unlimited",
            (Unlimited, Fr) => "Illimité",
            (Unlimited, Es) => "Ilimitado",
            (PerGb, En) => "per GB",
            (PerGb, Fr) => "le Go",
            (PerGb, Es) => "por GB",
            (Coverage, En) => "Coverage",
            (Coverage, Fr) => "Couverture",
            (Coverage, Es) => "Cobertura",
            (Networks, En) => "Networks",
            (Networks, Fr) => "Réseaux",
            (Networks, Es) => "Redes",
            (TopUpAvailable, En) => "Top-ups available",
            (TopUpAvailable, Fr) => "Recharges possibles",
            (TopUpAvailable, Es) => "Recargas disponibles",
            (TopUpUnavailable, En) => "No top-ups for this plan",
            (TopUpUnavailable, Fr) => "Pas de recharge pour ce forfait",
            (TopUpUnavailable, Es) => "Este plan no admite recargas",
            (ChoosePlan, En) => "Choose this plan",
            (ChoosePlan, Fr) => "Choisir ce forfait",
            (ChoosePlan, Es) => "Elegir este plan",
            (Back, En) => "Back",
            (Back, Fr) => "Retour",
            (Back, Es) => "Volver",
            (From, En) => "from",
            (From, Fr) => "dès",
            (From, Es) => "desde",
            (PlansFor, En) => "Plans for",
            (PlansFor, Fr) => "Forfaits pour",
            (PlansFor, Es) => "Planes para",
            (Offline, En) => "You seem to be offline. Check your connection and try again.",
            (Offline, Fr) => "Vous semblez hors ligne. Vérifiez votre connexion et réessayez.",
            (Offline, Es) => "Parece que no tienes conexión. Compruébala e inténtalo de nuevo.",
            (Checkout, En) => "Checkout",
            (Checkout, Fr) => "Paiement",
            (Checkout, Es) => "Pago",
            (Quantity, En) => "Number of eSIMs",
            (Quantity, Fr) => "Nombre d’eSIM",
            (Quantity, Es) => "Número de eSIM",
            (Currency, En) => "Currency",
            (Currency, Fr) => "Devise",
            (Currency, Es) => "Moneda",
            (Email, En) => "E-mail for your receipt",
            (Email, Fr) => "E-mail pour votre reçu",
            (Email, Es) => "Correo para tu recibo",
            (EmailInvalid, En) => "Please enter a valid e-mail address.",
            (EmailInvalid, Fr) => "Veuillez saisir une adresse e-mail valide.",
            (EmailInvalid, Es) => "Introduce un correo electrónico válido.",
            (Terms, En) => "I accept the terms of sale and checked that my phone supports eSIM.",
            (Terms, Fr) => "J’accepte les conditions de vente et j’ai vérifié que mon téléphone est compatible eSIM.",
            (Terms, Es) => "Acepto las condiciones de venta y he comprobado que mi teléfono es compatible con eSIM.",
            (TermsRequired, En) => "Please accept the terms to continue.",
            (TermsRequired, Fr) => "Veuillez accepter les conditions pour continuer.",
            (TermsRequired, Es) => "Acepta las condiciones para continuar.",
            (Total, En) => "Total",
            (Total, Fr) => "Total",
            (Total, Es) => "Total",
            (TestPayment, En) => "Test shop: no payment is taken and the eSIM is a test eSIM.",
            (TestPayment, Fr) => "Boutique de test : aucun paiement n’est pris et l’eSIM est une eSIM de test.",
            (TestPayment, Es) => "Tienda de prueba: no se cobra nada y la eSIM es de prueba.",
            (PlaceOrder, En) => "Place order",
            (PlaceOrder, Fr) => "Commander",
            (PlaceOrder, Es) => "Realizar pedido",
            (PlaceTestOrder, En) => "Place test order",
            (PlaceTestOrder, Fr) => "Passer une commande test",
            (PlaceTestOrder, Es) => "Realizar pedido de prueba",
            (Placing, En) => "Placing your order…",
            (Placing, Fr) => "Commande en cours…",
            (Placing, Es) => "Realizando tu pedido…",
            (Provisioning, En) => "Preparing your eSIM…",
            (Provisioning, Fr) => "Préparation de votre eSIM…",
            (Provisioning, Es) => "Preparando tu eSIM…",
            (OrderFailed, En) => "Your order did not go through.",
            (OrderFailed, Fr) => "Votre commande n’a pas abouti.",
            (OrderFailed, Es) => "Tu pedido no se ha completado.",
            (NotCharged, En) => "You will not be charged twice if you try again.",
            (NotCharged, Fr) => "Vous ne serez pas débité deux fois si vous réessayez.",
            (NotCharged, Es) => "No se te cobrará dos veces si lo intentas de nuevo.",
            (OrderChecking, En) => "We are checking your order with our supplier. You will not be charged twice: your eSIM will appear under “My eSIMs” once it is confirmed, or your order will be refunded.",
            (OrderChecking, Fr) => "Nous vérifions votre commande auprès de notre fournisseur. Vous ne serez pas débité deux fois : votre eSIM apparaîtra dans « Mes eSIM » dès qu’elle sera confirmée, sinon votre commande sera remboursée.",
            (OrderChecking, Es) => "Estamos comprobando tu pedido con nuestro proveedor. No se te cobrará dos veces: tu eSIM aparecerá en «Mis eSIM» en cuanto se confirme, o se te reembolsará el pedido.",
            (OrderReady, En) => "Your eSIM is ready",
            (OrderReady, Fr) => "Votre eSIM est prête",
            (OrderReady, Es) => "Tu eSIM está lista",
            (ScanQr, En) => "Scan this QR code with your phone's camera or in Settings › Mobile data › Add eSIM.",
            (ScanQr, Fr) => "Scannez ce QR code avec l’appareil photo ou dans Réglages › Données cellulaires › Ajouter une eSIM.",
            (ScanQr, Es) => "Escanea este código QR con la cámara o en Ajustes › Datos móviles › Añadir eSIM.",
            (InstallIphone, En) => "Install on iPhone",
            (InstallIphone, Fr) => "Installer sur iPhone",
            (InstallIphone, Es) => "Instalar en iPhone",
            (ManualInstall, En) => "Or enter it by hand",
            (ManualInstall, Fr) => "Ou saisissez-la à la main",
            (ManualInstall, Es) => "O introdúcela a mano",
            (SmdpAddress, En) => "SM-DP+ address",
            (SmdpAddress, Fr) => "Adresse SM-DP+",
            (SmdpAddress, Es) => "Dirección SM-DP+",
            (ActivationCode, En) => "Activation code",
            (ActivationCode, Fr) => "Code d’activation",
            (ActivationCode, Es) => "Código de activación",
            (Copy, En) => "Copy",
            (Copy, Fr) => "Copier",
            (Copy, Es) => "Copiar",
            (Copied, En) => "Copied",
            (Copied, Fr) => "Copié",
            (Copied, Es) => "Copiado",
            (AndroidSteps, En) => "On Android: Settings › Network & internet › SIMs › Add eSIM › Enter manually, then type the two codes above.",
            (AndroidSteps, Fr) => "Sur Android : Paramètres › Réseau et internet › SIM › Ajouter une eSIM › Saisie manuelle, puis les deux codes ci-dessus.",
            (AndroidSteps, Es) => "En Android: Ajustes › Redes e internet › SIM › Añadir eSIM › Introducir manualmente, y escribe los dos códigos de arriba.",
            (Apn, En) => "APN",
            (Apn, Fr) => "APN",
            (Apn, Es) => "APN",
            (QrOnce, En) => "Keep this page: most QR codes work only once.",
            (QrOnce, Fr) => "Gardez cette page : la plupart des QR codes ne servent qu’une fois.",
            (QrOnce, Es) => "Guarda esta página: la mayoría de los códigos QR solo sirven una vez.",
            (QrLabel, En) => "QR code to install this eSIM",
            (QrLabel, Fr) => "QR code pour installer cette eSIM",
            (QrLabel, Es) => "Código QR para instalar esta eSIM",
            (ShopMore, En) => "Browse more plans",
            (ShopMore, Fr) => "Voir d’autres forfaits",
            (ShopMore, Es) => "Ver más planes",
            (MyEsims, En) => "My eSIMs",
            (MyEsims, Fr) => "Mes eSIM",
            (MyEsims, Es) => "Mis eSIM",
            (NoEsims, En) => "You have no eSIMs yet. Bought ones appear here on this device.",
            (NoEsims, Fr) => "Vous n’avez pas encore d’eSIM. Celles achetées ici apparaîtront sur cet appareil.",
            (NoEsims, Es) => "Aún no tienes eSIM. Las que compres aparecerán aquí en este dispositivo.",
            (DataUsage, En) => "Data used",
            (DataUsage, Fr) => "Données utilisées",
            (DataUsage, Es) => "Datos usados",
            (UsageUnknown, En) => "Data used is not reported for this eSIM.",
            (UsageUnknown, Fr) => "La consommation n’est pas communiquée pour cette eSIM.",
            (UsageUnknown, Es) => "El consumo de datos no se informa para esta eSIM.",
            (NotStarted, En) => "Starts when first used",
            (NotStarted, Fr) => "Démarre à la première connexion",
            (NotStarted, Es) => "Empieza con el primer uso",
            (FilterData, En) => "Data",
            (FilterData, Fr) => "Données",
            (FilterData, Es) => "Datos",
            (FilterDays, En) => "Days",
            (FilterDays, Fr) => "Jours",
            (FilterDays, Es) => "Días",
            (FilterPrice, En) => "Price",
            (FilterPrice, Fr) => "Prix",
            (FilterPrice, Es) => "Precio",
            (Any, En) => "Any",
            (Any, Fr) => "Tous",
            (Any, Es) => "Todos",
            (Details, En) => "Details",
            (Details, Fr) => "Détails",
            (Details, Es) => "Detalles",
            (BackToEsims, En) => "Back to my eSIMs",
            (BackToEsims, Fr) => "Retour à mes eSIM",
            (BackToEsims, Es) => "Volver a mis eSIM",
            (Refresh, En) => "Refresh usage",
            (Refresh, Fr) => "Actualiser la consommation",
            (Refresh, Es) => "Actualizar consumo",
            (Refreshing, En) => "Checking…",
            (Refreshing, Fr) => "Vérification…",
            (Refreshing, Es) => "Comprobando…",
            (Updated, En) => "Usage updated.",
            (Updated, Fr) => "Consommation mise à jour.",
            (Updated, Es) => "Consumo actualizado.",
            (Install, En) => "Install",
            (Install, Fr) => "Installer",
            (Install, Es) => "Instalar",
            (History, En) => "Plans on this eSIM",
            (History, Fr) => "Forfaits de cette eSIM",
            (History, Es) => "Planes de esta eSIM",
            (TopUpBadge, En) => "Top-up",
            (TopUpBadge, Fr) => "Recharge",
            (TopUpBadge, Es) => "Recarga",
            (AddData, En) => "Add data",
            (AddData, Fr) => "Ajouter des données",
            (AddData, Es) => "Añadir datos",
            (ChooseTopUp, En) => "Choose a top-up",
            (ChooseTopUp, Fr) => "Choisissez une recharge",
            (ChooseTopUp, Es) => "Elige una recarga",
            (NoTopUps, En) => "No top-ups are offered for this eSIM right now.",
            (NoTopUps, Fr) => "Aucune recharge n’est proposée pour cette eSIM pour l’instant.",
            (NoTopUps, Es) => "Ahora no hay recargas para esta eSIM.",
            (ConfirmTopUp, En) => "Confirm top-up",
            (ConfirmTopUp, Fr) => "Confirmer la recharge",
            (ConfirmTopUp, Es) => "Confirmar recarga",
            (TopUpDone, En) => "Top-up added.",
            (TopUpDone, Fr) => "Recharge ajoutée.",
            (TopUpDone, Es) => "Recarga añadida.",
            (Adding, En) => "Adding…",
            (Adding, Fr) => "Ajout…",
            (Adding, Es) => "Añadiendo…",
            (CancelEsim, En) => "Cancel this eSIM",
            (CancelEsim, Fr) => "Annuler cette eSIM",
            (CancelEsim, Es) => "Cancelar esta eSIM",
            (CancelQuestion, En) => "Cancel this eSIM?",
            (CancelQuestion, Fr) => "Annuler cette eSIM ?",
            (CancelQuestion, Es) => "¿Cancelar esta eSIM?",
            (CancelExplain, En) => "It has not been installed yet, so it can be cancelled and refunded. This cannot be undone.",
            (CancelExplain, Fr) => "Elle n’est pas encore installée : elle peut être annulée et remboursée. C’est définitif.",
            (CancelExplain, Es) => "Aún no está instalada, así que puede cancelarse y reembolsarse. No se puede deshacer.",
            (KeepEsim, En) => "Keep it",
            (KeepEsim, Fr) => "La garder",
            (KeepEsim, Es) => "Conservarla",
            (ConfirmCancel, En) => "Yes, cancel it",
            (ConfirmCancel, Fr) => "Oui, l’annuler",
            (ConfirmCancel, Es) => "Sí, cancelarla",
            (Cancelling, En) => "Cancelling…",
            (Cancelling, Fr) => "Annulation…",
            (Cancelling, Es) => "Cancelando…",
            (CancelDone, En) => "The eSIM is cancelled.",
            (CancelDone, Fr) => "L’eSIM est annulée.",
            (CancelDone, Es) => "La eSIM está cancelada.",
            (CancelNotAllowed, En) => "An eSIM can be cancelled only before it is installed or used.",
            (CancelNotAllowed, Fr) => "Une eSIM ne peut être annulée qu’avant son installation ou sa première utilisation.",
            (CancelNotAllowed, Es) => "Una eSIM solo puede cancelarse antes de instalarla o usarla.",
            (Close, En) => "Close",
            (Close, Fr) => "Fermer",
            (Close, Es) => "Cerrar",
            (TabShop, En) => "Buy a plan",
            (TabShop, Fr) => "Acheter un forfait",
            (TabShop, Es) => "Comprar un plan",
            (FindPlan, En) => "Find a plan",
            (FindPlan, Fr) => "Trouver un forfait",
            (FindPlan, Es) => "Buscar un plan",
            (CannotInstall, En) => "This eSIM cannot be installed:",
            (CannotInstall, Fr) => "Cette eSIM ne peut pas être installée :",
            (CannotInstall, Es) => "Esta eSIM no se puede instalar:",
        }
    }

    /// Writes a validity: "7 days", "7 jours", "7 días", "24 hours", "1 month".
    pub(crate) fn validity(&self, v: Validity) -> String {
        let one = v.amount == 1;
        let unit = match (self, v.unit, one) {
            (Locale::En, ValidityUnit::Hour, true) => "hour",
            (Locale::En, ValidityUnit::Hour, false) => "hours",
            (Locale::En, ValidityUnit::Day, true) => "day",
            (Locale::En, ValidityUnit::Day, false) => "days",
            (Locale::En, ValidityUnit::Month, true) => "month",
            (Locale::En, ValidityUnit::Month, false) => "months",
            (Locale::Fr, ValidityUnit::Hour, true) => "heure",
            (Locale::Fr, ValidityUnit::Hour, false) => "heures",
            (Locale::Fr, ValidityUnit::Day, true) => "jour",
            (Locale::Fr, ValidityUnit::Day, false) => "jours",
            (Locale::Fr, ValidityUnit::Month, _) => "mois",
            (Locale::Es, ValidityUnit::Hour, true) => "hora",
            (Locale::Es, ValidityUnit::Hour, false) => "horas",
            (Locale::Es, ValidityUnit::Day, true) => "día",
            (Locale::Es, ValidityUnit::Day, false) => "días",
            (Locale::Es, ValidityUnit::Month, true) => "mes",
            (Locale::Es, ValidityUnit::Month, false) => "meses",
        };
        format!("{} {unit}", v.amount)
    }

    /// Names an eSIM's lifecycle state for its badge.
    pub(crate) fn lifecycle(&self, state: Lifecycle) -> &'static str {
        use Lifecycle as L;
        match (state, self) {
            (L::Pending, Locale::En) => "Being prepared",
            (L::Pending, Locale::Fr) => "En préparation",
            (L::Pending, Locale::Es) => "En preparación",
            (L::Ready, Locale::En) => "Ready to install",
            (L::Ready, Locale::Fr) => "Prête à installer",
            (L::Ready, Locale::Es) => "Lista para instalar",
            (L::Active, Locale::En) => "Active",
            (L::Active, Locale::Fr) => "Active",
            (L::Active, Locale::Es) => "Activa",
            (L::Depleted, Locale::En) => "Data used up",
            (L::Depleted, Locale::Fr) => "Données épuisées",
            (L::Depleted, Locale::Es) => "Datos agotados",
            (L::Expired, Locale::En) => "Expired",
            (L::Expired, Locale::Fr) => "Expirée",
            (L::Expired, Locale::Es) => "Caducada",
            (L::Suspended, Locale::En) => "Suspended",
            (L::Suspended, Locale::Fr) => "Suspendue",
            (L::Suspended, Locale::Es) => "Suspendida",
            (L::Cancelled, Locale::En) => "Cancelled",
            (L::Cancelled, Locale::Fr) => "Annulée",
            (L::Cancelled, Locale::Es) => "Cancelada",
            (L::Revoked, Locale::En) => "Revoked",
            (L::Revoked, Locale::Fr) => "Révoquée",
            (L::Revoked, Locale::Es) => "Revocada",
            (L::Failed, Locale::En) => "Failed",
            (L::Failed, Locale::Fr) => "Échec",
            (L::Failed, Locale::Es) => "Fallida",
            (L::Unknown, Locale::En) => "Unknown",
            (L::Unknown, Locale::Fr) => "Inconnu",
            (L::Unknown, Locale::Es) => "Desconocido",
        }
    }

    /// Writes the days left on a plan: "3 days left", "3 jours restants", "quedan 3 días".
    pub(crate) fn days_left(&self, days: i64) -> String {
        match (self, days == 1) {
            (Locale::En, true) => "1 day left".to_owned(),
            (Locale::En, false) => format!("{days} days left"),
            (Locale::Fr, true) => "1 jour restant".to_owned(),
            (Locale::Fr, false) => format!("{days} jours restants"),
            (Locale::Es, true) => "queda 1 día".to_owned(),
            (Locale::Es, false) => format!("quedan {days} días"),
        }
    }

    /// Writes data used out of a total: "1.5 GB of 5 GB used".
    pub(crate) fn used_of(&self, used: &str, total: &str) -> String {
        match self {
            Locale::En => format!("{used} of {total} used"),
            Locale::Fr => format!("{used} utilisés sur {total}"),
            Locale::Es => format!("{used} usados de {total}"),
        }
    }

    /// Asks the shopper to wait before checking usage again.
    pub(crate) fn wait_seconds(&self, seconds: u64) -> String {
        match self {
            Locale::En => format!("Usage was checked a moment ago. Try again in {seconds} s."),
            Locale::Fr => {
                format!("La consommation vient d’être vérifiée. Réessayez dans {seconds} s.")
            }
            Locale::Es => {
                format!("El consumo se acaba de comprobar. Vuelve a intentarlo en {seconds} s.")
            }
        }
    }

    /// Asks to confirm a top-up: "Add 3 GB for 15 days for $9.00?".
    pub(crate) fn top_up_question(&self, what: &str, price: &str) -> String {
        match self {
            Locale::En => format!("Add {what} to this eSIM for {price}?"),
            Locale::Fr => format!("Ajouter {what} à cette eSIM pour {price} ?"),
            Locale::Es => format!("¿Añadir {what} a esta eSIM por {price}?"),
        }
    }

    /// Writes a date (Unix seconds) the locale's way, with `Intl.DateTimeFormat`.
    pub(crate) fn date(&self, unix_seconds: i64) -> String {
        let date = js_sys::Date::new(&JsValue::from(unix_seconds as f64 * 1000.0));
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
        let locales = js_sys::Array::of1(&self.tag().into());
        js_sys::Intl::DateTimeFormat::new(&locales, &options)
            .format()
            .call1(&JsValue::NULL, &date)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    }

    /// Writes a data volume with the locale's decimal mark and unit ("1,5 Go" in French).
    pub(crate) fn volume(&self, volume: Volume) -> String {
        self.scaled_volume(volume.scaled())
    }

    /// Writes `volume` in the units `reference` is shown in: usage "1.2 GB of 5 GB" of a plan
    /// sold in decimal gigabytes reads in decimal gigabytes too.
    pub(crate) fn volume_like(&self, volume: Volume, reference: Volume) -> String {
        self.scaled_volume(volume.scaled_like(&reference))
    }

    fn scaled_volume(&self, scaled: Option<ScaledVolume>) -> String {
        let Some(scaled) = scaled else {
            return self.t(Msg::Unlimited).to_owned();
        };
        let number = format!("{}.{}", scaled.tenths / 10, scaled.tenths % 10);
        let digits = if scaled.has_fraction() { 1 } else { 0 };
        let shown = self.number(&number, digits);
        let unit = match (self, scaled.unit) {
            (Locale::Fr, VolumeUnit::B) => "o",
            (Locale::Fr, VolumeUnit::KB) => "Ko",
            (Locale::Fr, VolumeUnit::MB) => "Mo",
            (Locale::Fr, VolumeUnit::GB) => "Go",
            (Locale::Fr, VolumeUnit::TB) => "To",
            (_, unit) => unit.as_str(),
        };
        match self {
            Locale::Fr => format!("{shown}\u{a0}{unit}"),
            _ => format!("{shown} {unit}"),
        }
    }

    /// Writes a price with `Intl.NumberFormat` ("€12.99", "12,99 €").
    pub(crate) fn price(&self, money: Money) -> String {
        let currency = money.currency();
        format_with(
            self.tag(),
            Style::Currency(currency.code()),
            &money.amount_text(),
        )
        .unwrap_or_else(|| money.to_string())
    }

    /// Writes a decimal number with exactly `digits` fraction digits.
    pub(crate) fn number(&self, decimal: &str, digits: u32) -> String {
        format_with(self.tag(), Style::Digits(digits), decimal)
            .unwrap_or_else(|| decimal.to_owned())
    }
}

/// What a number format is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style<'a> {
    /// Money in this ISO 4217 currency, with its usual fraction digits.
    Currency(&'a str),
    /// A plain number with exactly this many fraction digits.
    Digits(u32),
}

thread_local! {
    /// Every `Intl.NumberFormat` made so far, by locale and style. Making one costs about as
    /// much as formatting hundreds of numbers: a plan list made one per price, and that was a
    /// third of the time to the first plan card.
    static FORMATS: std::cell::RefCell<Vec<(String, js_sys::Function)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Formats decimal text exactly: `Intl.NumberFormat` accepts a string and does not round it
/// through a float.
fn format_with(tag: &str, style: Style, decimal: &str) -> Option<String> {
    let key = match style {
        Style::Currency(code) => format!("{tag} {code}"),
        Style::Digits(digits) => format!("{tag} {digits}"),
    };
    let cached = FORMATS.with(|f| {
        f.borrow()
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, format)| format.clone())
    });
    let format = match cached {
        Some(format) => format,
        None => {
            let options = js_sys::Object::new();
            let set = |k: &str, v: JsValue| {
                let _ = js_sys::Reflect::set(&options, &k.into(), &v);
            };
            match style {
                Style::Currency(code) => {
                    set("style", "currency".into());
                    set("currency", code.into());
                }
                Style::Digits(digits) => {
                    set("minimumFractionDigits", digits.into());
                    set("maximumFractionDigits", digits.into());
                }
            }
            let locales = js_sys::Array::of1(&tag.into());
            let format = js_sys::Intl::NumberFormat::new(&locales, &options).format();
            FORMATS.with(|f| f.borrow_mut().push((key, format.clone())));
            format
        }
    };
    format
        .call1(&JsValue::NULL, &JsValue::from_str(decimal))
        .ok()?
        .as_string()
}
