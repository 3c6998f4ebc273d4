//! Every text of the widget in Spanish. Each `match` is exhaustive: a message added to
//! [`Msg`] or a code added to [`ErrorCode`] does not compile until it is written here.

use esim_core::api::ErrorCode;
use esim_core::{Lifecycle, ValidityUnit};

use super::{Msg, Words};

/// The widget's Spanish.
pub(super) struct Spanish;

impl Words for Spanish {
    fn text(&self, msg: Msg) -> &'static str {
        use Msg::*;
        match msg {
            WhereTo => "¿A dónde viajas?",
            SearchPlaceholder => "Busca un país o una región",
            Popular => "Destinos populares",
            TabLocal => "eSIM locales",
            TabRegional => "eSIM regionales",
            TabGlobal => "eSIM globales",
            Loading => "Cargando…",
            NoDestinations => "Ningún destino coincide con tu búsqueda.",
            NoPlans => "Ningún plan coincide con estos filtros.",
            LoadFailed => "No pudimos cargar esto.",
            Retry => "Reintentar",
            Change => "Cambiar",
            SortBy => "Ordenar por",
            SortPrice => "Precio",
            SortData => "Más datos",
            SortDays => "Mayor validez",
            SortPricePerGb => "Precio por GB",
            OnlyUnlimited => "Solo ilimitados",
            Unlimited => "Ilimitado",
            PerGb => "por GB",
            Coverage => "Cobertura",
            Networks => "Redes",
            TopUpAvailable => "Recargas disponibles",
            TopUpUnavailable => "Este plan no admite recargas",
            ChoosePlan => "Elegir este plan",
            Back => "Volver",
            From => "desde",
            PlansFor => "Planes para",
            Offline => "Parece que no tienes conexión. Compruébala e inténtalo de nuevo.",
            Checkout => "Pago",
            Quantity => "Número de eSIM",
            Currency => "Moneda",
            Email => "Correo para tu recibo",
            EmailInvalid => "Introduce un correo electrónico válido.",
            Terms => "Acepto las condiciones de venta y he comprobado que mi teléfono es compatible con eSIM.",
            TermsRequired => "Acepta las condiciones para continuar.",
            Total => "Total",
            TestPayment => "Tienda de prueba: no se cobra nada y la eSIM es de prueba.",
            CardLabel => "Tarjeta",
            PayNow => "Pagar",
            Paying => "Pagando…",
            TestCard => "Tienda de prueba: paga con la tarjeta de prueba 4242 4242 4242 4242 (cualquier fecha futura y CVC); la eSIM es de prueba.",
            CardLoading => "Cargando el campo de tarjeta seguro…",
            CardUnavailable => "No se ha podido cargar el campo de tarjeta. Comprueba tu conexión e inténtalo de nuevo.",
            CardNotConfirmed => "Tu banco no ha confirmado el pago. Inténtalo de nuevo o usa otra tarjeta.",
            PaymentNotTaken => "No se te ha cobrado.",
            PlaceOrder => "Realizar pedido",
            PlaceTestOrder => "Realizar pedido de prueba",
            Placing => "Realizando tu pedido…",
            Provisioning => "Preparando tu eSIM…",
            OrderFailed => "Tu pedido no se ha completado.",
            NotCharged => "No se te cobrará dos veces si lo intentas de nuevo.",
            TopUpChecking => "Estamos comprobando tu recarga con nuestro proveedor. No se te cobrará dos veces: los datos aparecerán en esta eSIM en cuanto se confirme, o no se cargará nada en tu tarjeta.",
            OrderChecking => "Estamos comprobando tu pedido con nuestro proveedor. No se te cobrará dos veces: tu eSIM aparecerá en «Mis eSIM» en cuanto se confirme, o se te reembolsará el pedido.",
            OrderReady => "Tu eSIM está lista",
            ScanQr => "Escanea este código QR con la cámara o en Ajustes › Datos móviles › Añadir eSIM.",
            InstallIphone => "Instalar en iPhone",
            ManualInstall => "O introdúcela a mano",
            SmdpAddress => "Dirección SM-DP+",
            ActivationCode => "Código de activación",
            Copy => "Copiar",
            Copied => "Copiado",
            AndroidSteps => "En Android: Ajustes › Redes e internet › SIM › Añadir eSIM › Introducir manualmente, y escribe los dos códigos de arriba.",
            Apn => "APN",
            QrOnce => "Guarda esta página: la mayoría de los códigos QR solo sirven una vez.",
            QrLabel => "Código QR para instalar esta eSIM",
            ShopMore => "Ver más planes",
            MyEsims => "Mis eSIM",
            NoEsims => "Aún no tienes eSIM. Las que compres aparecerán aquí en este dispositivo.",
            DataUsage => "Datos usados",
            UsageUnknown => "El consumo de datos no se informa para esta eSIM.",
            NotStarted => "Empieza con el primer uso",
            FilterData => "Datos",
            FilterDays => "Días",
            FilterPrice => "Precio",
            Any => "Todos",
            Details => "Detalles",
            BackToEsims => "Volver a mis eSIM",
            Refresh => "Actualizar consumo",
            Refreshing => "Comprobando…",
            Updated => "Consumo actualizado.",
            Install => "Instalar",
            History => "Planes de esta eSIM",
            TopUpBadge => "Recarga",
            AddData => "Añadir datos",
            ChooseTopUp => "Elige una recarga",
            NoTopUps => "Ahora no hay recargas para esta eSIM.",
            ConfirmTopUp => "Confirmar recarga",
            TopUpDone => "Recarga añadida.",
            Adding => "Añadiendo…",
            CancelEsim => "Cancelar esta eSIM",
            CancelQuestion => "¿Cancelar esta eSIM?",
            CancelExplain => "Aún no está instalada, así que puede cancelarse y reembolsarse. No se puede deshacer.",
            KeepEsim => "Conservarla",
            ConfirmCancel => "Sí, cancelarla",
            Cancelling => "Cancelando…",
            CancelDone => "La eSIM está cancelada.",
            CancelAfterTopUp => "Esta eSIM se ha recargado, así que no puede cancelarse aquí. Ponte en contacto con la tienda.",
            CancelNotAllowed => "Una eSIM solo puede cancelarse antes de instalarla o usarla.",
            Close => "Cerrar",
            TabShop => "Comprar un plan",
            FindPlan => "Buscar un plan",
            CannotInstall => "Esta eSIM no se puede instalar:",
            NothingCharged => "No se ha cobrado nada; puedes intentarlo de nuevo.",
            CannotCancelNow => "Esta eSIM ya se instaló o se usó y ya no puede cancelarse.",
        }
    }

    fn error(&self, code: ErrorCode) -> &'static str {
        use ErrorCode::*;
        match code {
            BadRequest | InvalidJson | PayloadTooLarge | IdempotencyKeyRequired
            | IdempotencyKeyReused => "No pudimos entender esta solicitud. Recarga la página e inténtalo de nuevo.",
            Unauthorized => "Tu sesión ha caducado o no es válida. Vuelve a iniciar sesión.",
            NotFound => "No lo encontramos. Puede que se haya eliminado.",
            MethodNotAllowed => "Esta solicitud no es posible aquí.",
            UnknownPackage => "Este plan ya no está a la venta.",
            UnknownCurrency => "Esta tienda no vende en esa moneda.",
            InvalidQuantity => "Elige un número de eSIM que esta tienda permita.",
            InvalidEmail => "Introduce un correo electrónico válido.",
            RequestInProgress => "Tu solicitud aún se está procesando. Espera un momento.",
            NotAllowed => "Eso no es posible para esta eSIM ahora mismo.",
            Unsupported => "Esta tienda no ofrece eso.",
            RateLimited | ServerBusy => "Demasiadas solicitudes. Inténtalo de nuevo en un momento.",
            RequestTimeout => "La conexión fue demasiado lenta. Inténtalo de nuevo.",
            InsufficientBalance => "Esta tienda no puede aceptar pedidos ahora mismo. Inténtalo más tarde.",
            CardDeclined => "Tu tarjeta ha sido rechazada. Comprueba sus datos o prueba con otra tarjeta.",
            PaymentUnavailable => "El pago con tarjeta no está disponible ahora mismo. No se te ha cobrado; inténtalo de nuevo en breve.",
            ProviderUnavailable => "Nuestro proveedor de eSIM no está disponible ahora mismo. Inténtalo de nuevo en breve.",
            ProviderTimeout => "Nuestro proveedor de eSIM tarda demasiado en responder.",
            ProviderBadResponse => "Nuestro proveedor de eSIM envió una respuesta que no pudimos leer. Inténtalo de nuevo en breve.",
            Internal => "Algo ha fallado por nuestra parte. Inténtalo de nuevo.",
        }
    }

    fn lifecycle(&self, state: Lifecycle) -> &'static str {
        match state {
            Lifecycle::Pending => "En preparación",
            Lifecycle::Ready => "Lista para instalar",
            Lifecycle::Active => "Activa",
            Lifecycle::Depleted => "Datos agotados",
            Lifecycle::Expired => "Caducada",
            Lifecycle::Suspended => "Suspendida",
            Lifecycle::Cancelled => "Cancelada",
            Lifecycle::Revoked => "Revocada",
            Lifecycle::Failed => "Fallida",
            Lifecycle::Unknown => "Desconocido",
        }
    }

    fn unit(&self, unit: ValidityUnit, one: bool) -> &'static str {
        match (unit, one) {
            (ValidityUnit::Hour, true) => "hora",
            (ValidityUnit::Hour, false) => "horas",
            (ValidityUnit::Day, true) => "día",
            (ValidityUnit::Day, false) => "días",
            (ValidityUnit::Month, true) => "mes",
            (ValidityUnit::Month, false) => "meses",
        }
    }

    fn days_left(&self, days: i64) -> String {
        match days {
            1 => "queda 1 día".to_owned(),
            _ => format!("quedan {days} días"),
        }
    }

    fn used_of(&self, used: &str, total: &str) -> String {
        format!("{used} usados de {total}")
    }

    fn wait_seconds(&self, seconds: u64) -> String {
        format!("El consumo se acaba de comprobar. Vuelve a intentarlo en {seconds} s.")
    }

    fn retry_in(&self, seconds: u64) -> String {
        format!("Demasiadas solicitudes. Inténtalo de nuevo en {seconds} s.")
    }

    fn top_up_question(&self, what: &str, price: &str) -> String {
        format!("¿Añadir {what} a esta eSIM por {price}?")
    }

    fn cancelled_refund(&self, price: &str, made: bool) -> String {
        if made {
            format!("La eSIM está cancelada y se han reembolsado {price} en tu tarjeta. Tu banco lo mostrará en unos días.")
        } else {
            format!("La eSIM está cancelada. El reembolso de {price} está en camino a tu tarjeta.")
        }
    }
}
