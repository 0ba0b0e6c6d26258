//! `DbTime`: a UTC time as each database stores it — SQLite as integer microseconds since the
//! epoch (exact, ordered, index-friendly), Postgres as `TIMESTAMPTZ` (microseconds too).

use chrono::{DateTime, Utc};

/// A UTC time bound to or read from a time column.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct DbTime(pub(crate) DateTime<Utc>);

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::DbTime;
    use chrono::DateTime;
    use sqlx::encode::IsNull;
    use sqlx::error::BoxDynError;
    use sqlx::sqlite::{Sqlite, SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
    use sqlx::{Decode, Encode, Type};

    impl Type<Sqlite> for DbTime {
        fn type_info() -> SqliteTypeInfo {
            <i64 as Type<Sqlite>>::type_info()
        }

        fn compatible(ty: &SqliteTypeInfo) -> bool {
            <i64 as Type<Sqlite>>::compatible(ty)
        }
    }

    impl Encode<'_, Sqlite> for DbTime {
        fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
            <i64 as Encode<Sqlite>>::encode_by_ref(&self.0.timestamp_micros(), buf)
        }
    }

    impl<'r> Decode<'r, Sqlite> for DbTime {
        fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
            let micros = <i64 as Decode<Sqlite>>::decode(value)?;
            DateTime::from_timestamp_micros(micros)
                .map(DbTime)
                .ok_or_else(|| format!("{micros} µs is not a representable time").into())
        }
    }
}

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
