//! What handlers take from a request besides its body: the numbers in a route's path. (The page
//! context is `page::PageCtx`; the API token has its own extractor in `api::token`.)

use std::future::{ready, Ready};
use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::web::error::AppError;
use crate::web::page::PageCtx;

/// The named path segments that hold a number: `Id<key::Session>` reads `{session}`.
pub mod key {
    use crate::domain::{
        CategoryId, OrganizerId, QuestionId, RegistrationId, RoomId, SessionId, SlotGroupId,
        SpeakerId, TrackId,
    };

    /// A path segment, by the name the route table gives it, and the id type it holds.
    pub trait Segment {
        const NAME: &'static str;
        /// What the number is: a typed id, or a raw key where no table id fits yet.
        type Id: From<i64> + Into<i64> + Copy + Send + 'static;
    }

    macro_rules! segments {
        ($( $ty:ident = $name:literal => $id:ty ),+ $(,)?) => {
            $(
                #[doc = concat!("`{", $name, "}`")]
                pub enum $ty {}

                impl Segment for $ty {
                    const NAME: &'static str = $name;
                    type Id = $id;
                }
            )+
        };
    }

    segments! {
        Room = "room" => RoomId,
        Track = "track" => TrackId,
        Category = "category" => CategoryId,
        Question = "question" => QuestionId,
        Speaker = "speaker" => SpeakerId,
        Session = "session" => SessionId,
        Registration = "registration" => RegistrationId,
        Group = "group" => SlotGroupId,
        Message = "message" => crate::domain::OutboxMessageId,
        Token = "token" => crate::domain::ApiTokenId,
        Member = "member" => OrganizerId,
    }
}

/// A number from the path segment `K` names. Anything that is not a number is a page that does
/// not exist: 404 in the visitor's language, before the handler runs.
pub struct Id<K> {
    raw: i64,
    of: PhantomData<K>,
}

impl<K: key::Segment> Id<K> {
    /// The id, typed by the segment it came from.
    pub fn get(&self) -> K::Id {
        K::Id::from(self.raw)
    }
}

impl<K: key::Segment> Id<K> {
    fn from_request(req: &HttpRequest) -> Result<Id<K>, AppError> {
        let raw = req.match_info().get(K::NAME).ok_or_else(|| {
            AppError::Internal(format!("route without a {{{}}} segment", K::NAME))
        })?;
        raw.parse()
            .map(|raw| Id {
                raw,
                of: PhantomData,
            })
            .map_err(|_| AppError::NotFound(PageCtx::from_request(req).lang))
    }
}

impl<K: key::Segment> FromRequest for Id<K> {
    type Error = AppError;
    type Future = Ready<Result<Id<K>, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Id::from_request(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_id_is_a_number_or_a_missing_page() {
        use actix_web::test::TestRequest;
        let req = TestRequest::default()
            .param("session", "42")
            .param("room", "4x")
            .to_http_request();
        assert_eq!(
            Id::<key::Session>::from_request(&req).unwrap().get(),
            crate::domain::SessionId::from(42)
        );
        assert!(matches!(
            Id::<key::Room>::from_request(&req),
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            Id::<key::Track>::from_request(&req),
            Err(AppError::Internal(_))
        ));
    }
}
