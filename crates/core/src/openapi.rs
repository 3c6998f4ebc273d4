//! OpenAPI schemas of the types whose wire form is written by hand (see each type's
//! `Serialize` impl), so that the proxy's generated document says what really goes over the
//! wire.

use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::activation::ActivationCode;
use crate::money::{Currency, Money};
use crate::volume::Volume;

impl PartialSchema for Volume {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                        utoipa::openapi::KnownFormat::Int64,
                    )))
                    .minimum(Some(0))
                    .description(Some("A number of bytes")),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["unlimited"]))
                    .description(Some("No data cap")),
            )
            .description(Some("A data volume: bytes, or \"unlimited\""))
            .into()
    }
}
impl ToSchema for Volume {}

impl PartialSchema for Currency {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[A-Z]{3}$"))
            .description(Some("An ISO 4217 currency code"))
            .examples(["USD"])
            .into()
    }
}
impl ToSchema for Currency {}

impl PartialSchema for Money {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .property(
                "minor",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                        utoipa::openapi::KnownFormat::Int64,
                    )))
                    .description(Some("Amount in the currency's minor units (cents; yen)")),
            )
            .required("minor")
            .property("currency", Currency::schema())
            .required("currency")
            .description(Some(
                "An amount of money: integer minor units and a currency",
            ))
            .into()
    }
}
impl ToSchema for Money {}

impl PartialSchema for ActivationCode {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^LPA:1\$"))
            .description(Some(
                "An LPA activation code: LPA:1$<SM-DP+ address>$<matching id>",
            ))
            .into()
    }
}
impl ToSchema for ActivationCode {}
