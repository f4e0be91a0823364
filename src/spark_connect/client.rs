//! One Spark Connect session: a gRPC channel (tonic, plain HTTP/2) and a
//! session id, through which SQL statements run in order. Temporary views
//! a statement creates are seen by the next ones of the same session.
//!
//! Executions are not reattachable (no `ReattachOptions` are sent): the
//! server streams the whole result and then closes, so a broken stream is
//! an error, never a silently short result.

use super::proto::{
    execute_plan_response::ResponseType, plan, relation, ExecutePlanRequest, ExecutePlanResponse,
    Plan, Relation, ReleaseSessionRequest, ReleaseSessionResponse, Sql, UserContext,
};
use super::url::Remote;
use crate::error::{Error, ErrorKind};
use crate::result::QueryResult;
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};

const EXECUTE_PLAN: &str = "/spark.connect.SparkConnectService/ExecutePlan";
const RELEASE_SESSION: &str = "/spark.connect.SparkConnectService/ReleaseSession";
const CLIENT_TYPE: &str = concat!("supplygraph/", env!("CARGO_PKG_VERSION"));
/// Spark cuts Arrow batches at 4 MiB by default; a wide row may exceed it.
const MAX_MESSAGE: usize = 256 << 20;

pub struct Session {
    rt: tokio::runtime::Runtime,
    grpc: tonic::client::Grpc<Channel>,
    remote: Remote,
    session_id: String,
    user: UserContext,
}

/// An error of Spark or of the way to it.
fn spark_error(message: String) -> Error {
    Error::runtime(ErrorKind::SparkError, "", message)
}

impl Session {
    /// Dials the server (10 s at most); the session itself starts with the
    /// first statement.
    pub fn connect(remote: &Remote) -> Result<Session, Error> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| spark_error(format!("cannot start the network runtime: {e}")))?;
        let unreachable = |e: &dyn std::error::Error| {
            spark_error(format!(
                "cannot reach Spark Connect at {remote}: {}",
                chain(e)
            ))
        };
        let endpoint = Endpoint::from_shared(remote.endpoint())
            .map_err(|e| unreachable(&e))?
            .connect_timeout(Duration::from_secs(10));
        let channel = rt
            .block_on(endpoint.connect())
            .map_err(|e| unreachable(&e))?;
        let grpc = tonic::client::Grpc::new(channel).max_decoding_message_size(MAX_MESSAGE);
        let user_id = remote
            .user_id
            .clone()
            .unwrap_or_else(|| "supplygraph".into());
        Ok(Session {
            rt,
            grpc,
            remote: remote.clone(),
            session_id: uuid4(),
            user: UserContext {
                user_id: user_id.clone(),
                user_name: user_id,
            },
        })
    }

    /// Runs one SQL statement and returns its rows (none for DDL).
    pub fn sql(&mut self, query: &str) -> Result<QueryResult, Error> {
        let request = ExecutePlanRequest {
            session_id: self.session_id.clone(),
            user_context: Some(self.user.clone()),
            plan: Some(Plan {
                op_type: Some(plan::OpType::Root(Relation {
                    rel_type: Some(relation::RelType::Sql(Sql {
                        query: query.to_string(),
                    })),
                })),
            }),
            client_type: Some(CLIENT_TYPE.into()),
        };
        let remote = &self.remote;
        let grpc = &mut self.grpc;
        let streams = self.rt.block_on(async move {
            grpc.ready().await.map_err(|e| {
                spark_error(format!("lost Spark Connect at {remote}: {}", chain(&e)))
            })?;
            let codec =
                tonic_prost::ProstCodec::<ExecutePlanRequest, ExecutePlanResponse>::default();
            let path = http::uri::PathAndQuery::from_static(EXECUTE_PLAN);
            let mut stream = grpc
                .server_streaming(tonic::Request::new(request), path, codec)
                .await
                .map_err(|s| status_error(remote, &s))?
                .into_inner();
            let mut streams = Vec::new();
            while let Some(message) = stream
                .message()
                .await
                .map_err(|s| status_error(remote, &s))?
            {
                if let Some(ResponseType::ArrowBatch(batch)) = message.response_type {
                    streams.push(batch.data);
                }
            }
            Ok::<_, Error>(streams)
        })?;
        super::rows::decode(&streams).map_err(spark_error)
    }

    /// Ends the server-side session (its views go with it); best effort,
    /// as the server also expires idle sessions.
    pub fn release(mut self) {
        let request = ReleaseSessionRequest {
            session_id: self.session_id.clone(),
            user_context: Some(self.user.clone()),
            client_type: Some(CLIENT_TYPE.into()),
        };
        let grpc = &mut self.grpc;
        let _ = self.rt.block_on(async move {
            grpc.ready().await.map_err(|_| ())?;
            let codec =
                tonic_prost::ProstCodec::<ReleaseSessionRequest, ReleaseSessionResponse>::default();
            let path = http::uri::PathAndQuery::from_static(RELEASE_SESSION);
            grpc.unary(tonic::Request::new(request), path, codec)
                .await
                .map_err(|_| ())
        });
    }
}

/// Spark's own message for what it refused (`[TABLE_OR_VIEW_NOT_FOUND] …`);
/// the transport's cause when the server could not be reached.
fn status_error(remote: &Remote, s: &tonic::Status) -> Error {
    let message = s.message().trim();
    match s.code() {
        tonic::Code::Unavailable | tonic::Code::Unknown if message.is_empty() => {
            spark_error(format!("lost Spark Connect at {remote}: {}", chain(s)))
        }
        tonic::Code::Unavailable => spark_error(format!(
            "Spark Connect at {remote} is unavailable: {message}"
        )),
        _ if message.is_empty() => spark_error(format!("Spark failed ({:?})", s.code())),
        _ => spark_error(format!("Spark: {message}")),
    }
}

/// An error and its causes, `a: b: c`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// A random (version 4) UUID, the form Spark requires of a session id.
fn uuid4() -> String {
    use std::hash::{BuildHasher, Hasher};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut b = [0u8; 16];
    for (i, chunk) in b.chunks_mut(8).enumerate() {
        // Each RandomState is keyed from the OS's randomness.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(i);
        h.write_u128(nanos);
        h.write_u32(std::process::id());
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_distinct_version_4_uuids() {
        let (a, b) = (uuid4(), uuid4());
        assert_ne!(a, b);
        let parts: Vec<_> = a.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
        assert_eq!(&a[14..15], "4");
        assert!("89ab".contains(&a[19..20]), "{a}");
    }

    #[test]
    fn an_unreachable_server_is_a_spark_error() {
        // Port 1 on the loopback: nothing listens there.
        let remote = Remote::parse("sc://127.0.0.1:1").unwrap();
        let e = Session::connect(&remote).err().unwrap();
        assert_eq!(e.kind, ErrorKind::SparkError);
        assert!(
            e.message
                .starts_with("cannot reach Spark Connect at sc://127.0.0.1:1"),
            "{}",
            e.message
        );
    }
}
