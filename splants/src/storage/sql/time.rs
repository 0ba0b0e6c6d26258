//! `DbTime`: a UTC time as Postgres stores it, `TIMESTAMPTZ` (microseconds). SQLite stores
//! integer microseconds since the epoch (exact, ordered, index-friendly), bound and read in
//! `storage::sqlite` without sqlx's types.

use chrono::{DateTime, Utc};

/// A UTC time bound to or read from a time column.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct DbTime(pub(crate) DateTime<Utc>);

#[cfg(feature = "postgres")]
mod postgres {
    use super::DbTime;
    use chrono::{DateTime, Utc};
    use sqlx::encode::IsNull;
    use sqlx::error::BoxDynError;
    use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef, Postgres};
    use sqlx::{Decode, Encode, Type};

    impl Type<Postgres> for DbTime {
        fn type_info() -> PgTypeInfo {
            <DateTime<Utc> as Type<Postgres>>::type_info()
        }

        fn compatible(ty: &PgTypeInfo) -> bool {
            <DateTime<Utc> as Type<Postgres>>::compatible(ty)
        }
    }

    impl Encode<'_, Postgres> for DbTime {
        fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
            <DateTime<Utc> as Encode<Postgres>>::encode_by_ref(&self.0, buf)
        }
    }

    impl<'r> Decode<'r, Postgres> for DbTime {
        fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
            <DateTime<Utc> as Decode<Postgres>>::decode(value).map(DbTime)
        }
    }
}
