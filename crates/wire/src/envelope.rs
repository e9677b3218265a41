//! The JSON envelopes of every response: `{"data": …}` on success and
//! `{"error":{"code","message"}}` on failure, with HTTP status = `code`.

use serde::{Deserialize, Serialize};

/// A successful response body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Data<T> {
    pub data: T,
}

impl<T> Data<T> {
    pub fn new(data: T) -> Self {
        Self { data }
    }
}

/// A failed response body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: `code` always equals the HTTP status of the response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: u16,
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: u16, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code,
                message: message.into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_the_lab_shape() {
        let json = serde_json::to_string(&ErrorBody::new(404, "product not found")).unwrap();
        assert_eq!(
            json,
            r#"{"error":{"code":404,"message":"product not found"}}"#
        );
    }

    #[test]
    fn data_wraps_any_payload() {
        let json = serde_json::to_string(&Data::new(7)).unwrap();
        assert_eq!(json, r#"{"data":7}"#);
    }
}
