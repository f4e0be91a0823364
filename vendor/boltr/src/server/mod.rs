//! Bolt server framework.

pub mod auth;
pub mod backend;
pub mod builder;
pub mod connection;
pub mod handshake;
pub mod session_manager;
pub mod state_machine;

pub use auth::{AuthInfo, AuthValidator};
pub use backend::{
    AccessMode, AuthCredentials, BoltBackend, BoltRecord, Pulled, RecordSource, ResultMetadata,
    ResultStream, RoutingServer, RoutingTable, SessionConfig, SessionHandle, SessionProperty, TransactionHandle,
    extract_bookmarks,
};
pub use builder::BoltServer;
#[cfg(feature = "tls")]
pub use builder::TlsConfig;
pub use session_manager::SessionManager;
pub use state_machine::ConnectionState;
