//! Every text of the widget in French. Each `match` is exhaustive: a message added to
//! [`Msg`] or a code added to [`ErrorCode`] does not compile until it is written here.

use esim_core::api::ErrorCode;
use esim_core::volume::VolumeUnit;
use esim_core::{Lifecycle, ValidityUnit};

use super::{Msg, Words};

/// The widget's French.
pub(super) struct French;

impl Words for French {
    fn text(&self, msg: Msg) -> &'static str {
        use Msg::*;
        match msg {
            WhereTo => "Où partez-vous ?",
            SearchPlaceholder => "Rechercher un pays ou une région",
            Popular => "Destinations populaires",
            TabLocal => "eSIM locales",
            TabRegional => "eSIM régionales",
            TabGlobal => "eSIM mondiales",
            Loading => "Chargement…",
            NoDestinations => "Aucune destination ne correspond à votre recherche.",
            NoPlans => "Aucun forfait ne correspond à ces filtres.",
            LoadFailed => "Impossible de charger ce contenu.",
            Retry => "Réessayer",
            Change => "Modifier",
            SortBy => "Trier par",
            SortPrice => "Prix",
            SortData => "Plus de données",
            SortDays => "Validité la plus longue",
            SortPricePerGb => "Prix par Go",
            OnlyUnlimited => "Illimités seulement",
            Unlimited => "Illimité",
            PerGb => "le Go",
            Coverage => "Couverture",
            Networks => "Réseaux",
            TopUpAvailable => "Recharges possibles",
            TopUpUnavailable => "Pas de recharge pour ce forfait",
            ChoosePlan => "Choisir ce forfait",
            Back => "Retour",
            From => "dès",
            PlansFor => "Forfaits pour",
            Offline => "Vous semblez hors ligne. Vérifiez votre connexion et réessayez.",
            Checkout => "Paiement",
            Quantity => "Nombre d’eSIM",
            Currency => "Devise",
            Email => "E-mail pour votre reçu",
            EmailInvalid => "Veuillez saisir une adresse e-mail valide.",
            Terms => "J’accepte les conditions de vente et j’ai vérifié que mon téléphone est compatible eSIM.",
            TermsRequired => "Veuillez accepter les conditions pour continuer.",
            Total => "Total",
            TestPayment => "Boutique de test : aucun paiement n’est pris et l’eSIM est une eSIM de test.",
            CardLabel => "Carte bancaire",
            PayNow => "Payer",
            Paying => "Paiement en cours…",
            TestCard => "Boutique de test : payez avec la carte de test 4242 4242 4242 4242 (date future et CVC au choix) ; l’eSIM est une eSIM de test.",
            CardLoading => "Chargement du champ de carte sécurisé…",
            CardUnavailable => "Le champ de carte n’a pas pu être chargé. Vérifiez votre connexion et réessayez.",
            CardNotConfirmed => "Votre banque n’a pas confirmé le paiement. Réessayez ou utilisez une autre carte.",
            PaymentNotTaken => "Vous n’avez pas été débité.",
            PlaceOrder => "Commander",
            PlaceTestOrder => "Passer une commande test",
            Placing => "Commande en cours…",
            Provisioning => "Préparation de votre eSIM…",
            OrderFailed => "Votre commande n’a pas abouti.",
            NotCharged => "Vous ne serez pas débité deux fois si vous réessayez.",
            TopUpChecking => "Nous vérifions votre recharge auprès de notre fournisseur. Vous ne serez pas débité deux fois : les données apparaîtront sur cette eSIM dès qu’elle sera confirmée, sinon votre carte ne sera pas débitée.",
            OrderChecking => "Nous vérifions votre commande auprès de notre fournisseur. Vous ne serez pas débité deux fois : votre eSIM apparaîtra dans « Mes eSIM » dès qu’elle sera confirmée, sinon votre commande sera remboursée.",
            OrderReady => "Votre eSIM est prête",
            ScanQr => "Scannez ce QR code avec l’appareil photo ou dans Réglages › Données cellulaires › Ajouter une eSIM.",
            InstallIphone => "Installer sur iPhone",
            ManualInstall => "Ou saisissez-la à la main",
            SmdpAddress => "Adresse SM-DP+",
            ActivationCode => "Code d’activation",
            Copy => "Copier",
            Copied => "Copié",
            AndroidSteps => "Sur Android : Paramètres › Réseau et internet › SIM › Ajouter une eSIM › Saisie manuelle, puis les deux codes ci-dessus.",
            Apn => "APN",
            QrOnce => "Gardez cette page : la plupart des QR codes ne servent qu’une fois.",
            QrLabel => "QR code pour installer cette eSIM",
            ShopMore => "Voir d’autres forfaits",
            MyEsims => "Mes eSIM",
            NoEsims => "Vous n’avez pas encore d’eSIM. Celles achetées ici apparaîtront sur cet appareil.",
            DataUsage => "Données utilisées",
            UsageUnknown => "La consommation n’est pas communiquée pour cette eSIM.",
            NotStarted => "Démarre à la première connexion",
            FilterData => "Données",
            FilterDays => "Jours",
            FilterPrice => "Prix",
            Any => "Tous",
            Details => "Détails",
            BackToEsims => "Retour à mes eSIM",
            Refresh => "Actualiser la consommation",
            Refreshing => "Vérification…",
            Updated => "Consommation mise à jour.",
            Install => "Installer",
            History => "Forfaits de cette eSIM",
            TopUpBadge => "Recharge",
            AddData => "Ajouter des données",
            ChooseTopUp => "Choisissez une recharge",
            NoTopUps => "Aucune recharge n’est proposée pour cette eSIM pour l’instant.",
            ConfirmTopUp => "Confirmer la recharge",
            TopUpDone => "Recharge ajoutée.",
            Adding => "Ajout…",
            CancelEsim => "Annuler cette eSIM",
            CancelQuestion => "Annuler cette eSIM ?",
            CancelExplain => "Elle n’est pas encore installée : elle peut être annulée et remboursée. C’est définitif.",
            KeepEsim => "La garder",
            ConfirmCancel => "Oui, l’annuler",
            Cancelling => "Annulation…",
            CancelDone => "L’eSIM est annulée.",
            CancelAfterTopUp => "Cette eSIM a été rechargée : elle ne peut plus être annulée ici. Veuillez contacter la boutique.",
            CancelNotAllowed => "Une eSIM ne peut être annulée qu’avant son installation ou sa première utilisation.",
            Close => "Fermer",
            TabShop => "Acheter un forfait",
            FindPlan => "Trouver un forfait",
            CannotInstall => "Cette eSIM ne peut pas être installée :",
            NothingCharged => "Rien n’a été débité ; vous pouvez réessayer.",
            CannotCancelNow => "Cette eSIM a été installée ou utilisée et ne peut plus être annulée.",
        }
    }

    fn error(&self, code: ErrorCode) -> &'static str {
        use ErrorCode::*;
        match code {
            BadRequest | InvalidJson | PayloadTooLarge | IdempotencyKeyRequired
            | IdempotencyKeyReused => "Cette demande n’a pas pu être comprise. Rechargez la page et réessayez.",
            Unauthorized => "Votre session a expiré ou n’est pas valide. Veuillez vous reconnecter.",
            NotFound => "Introuvable : cet élément a peut-être été supprimé.",
            MethodNotAllowed => "Cette demande n’est pas possible ici.",
            UnknownPackage => "Ce forfait n’est plus vendu.",
            UnknownCurrency => "Cette boutique ne vend pas dans cette devise.",
            InvalidQuantity => "Veuillez choisir un nombre d’eSIM que cette boutique autorise.",
            InvalidEmail => "Veuillez saisir une adresse e-mail valide.",
            RequestInProgress => "Votre demande est en cours de traitement. Patientez un instant.",
            NotAllowed => "Ce n’est pas possible pour cette eSIM pour le moment.",
            Unsupported => "Cette boutique ne propose pas cela.",
            RateLimited | ServerBusy => "Trop de demandes. Réessayez dans un instant.",
            RequestTimeout => "La connexion a été trop lente. Veuillez réessayer.",
            InsufficientBalance => "Cette boutique ne peut pas prendre de commandes pour le moment. Réessayez plus tard.",
            CardDeclined => "Votre carte a été refusée. Vérifiez ses informations ou essayez une autre carte.",
            PaymentUnavailable => "Le paiement par carte est indisponible pour le moment. Vous n'avez pas été débité ; réessayez dans un instant.",
            ProviderUnavailable => "Notre fournisseur d’eSIM est indisponible pour le moment. Réessayez dans quelques instants.",
            ProviderTimeout => "Notre fournisseur d’eSIM met trop de temps à répondre.",
            ProviderBadResponse => "Notre fournisseur d’eSIM a envoyé une réponse illisible. Réessayez dans quelques instants.",
            Internal => "Une erreur s’est produite de notre côté. Veuillez réessayer.",
        }
    }

    fn lifecycle(&self, state: Lifecycle) -> &'static str {
        match state {
            Lifecycle::Pending => "En préparation",
            Lifecycle::Ready => "Prête à installer",
            Lifecycle::Active => "Active",
            Lifecycle::Depleted => "Données épuisées",
            Lifecycle::Expired => "Expirée",
            Lifecycle::Suspended => "Suspendue",
            Lifecycle::Cancelled => "Annulée",
            Lifecycle::Revoked => "Révoquée",
            Lifecycle::Failed => "Échec",
            Lifecycle::Unknown => "Inconnu",
        }
    }

    fn unit(&self, unit: ValidityUnit, one: bool) -> &'static str {
        match (unit, one) {
            (ValidityUnit::Hour, true) => "heure",
            (ValidityUnit::Hour, false) => "heures",
            (ValidityUnit::Day, true) => "jour",
            (ValidityUnit::Day, false) => "jours",
            (ValidityUnit::Month, _) => "mois",
        }
    }

    fn days_left(&self, days: i64) -> String {
        match days {
            1 => "1 jour restant".to_owned(),
            _ => format!("{days} jours restants"),
        }
    }

    fn used_of(&self, used: &str, total: &str) -> String {
        format!("{used} utilisés sur {total}")
    }

    fn wait_seconds(&self, seconds: u64) -> String {
        format!("La consommation vient d’être vérifiée. Réessayez dans {seconds} s.")
    }

    fn retry_in(&self, seconds: u64) -> String {
        format!("Trop de demandes. Réessayez dans {seconds} s.")
    }

    fn top_up_question(&self, what: &str, price: &str) -> String {
        format!("Ajouter {what} à cette eSIM pour {price} ?")
    }

    fn cancelled_refund(&self, price: &str, made: bool) -> String {
        if made {
            format!("L’eSIM est annulée et {price} est remboursé sur votre carte. Votre banque l’affichera sous quelques jours.")
        } else {
            format!(
                "L’eSIM est annulée. Le remboursement de {price} est en route vers votre carte."
            )
        }
    }

    fn volume_unit(&self, unit: VolumeUnit) -> &'static str {
        match unit {
            VolumeUnit::B => "o",
            VolumeUnit::KB => "Ko",
            VolumeUnit::MB => "Mo",
            VolumeUnit::GB => "Go",
            VolumeUnit::TB => "To",
        }
    }

    fn volume(&self, number: &str, unit: &str) -> String {
        format!("{number}\u{a0}{unit}")
    }
}
