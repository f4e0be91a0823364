//! The few Spark Connect messages `spark --remote` sends and reads, declared
//! with prost's derives rather than generated from the published protos
//! (no protoc here, and five messages do not justify a build step). Names
//! and field numbers are those of Apache Spark's
//! `sql/connect/common/src/main/protobuf/spark/connect/base.proto` and
//! `relations.proto` (Apache-2.0); fields we never set or read are left
//! out, which protobuf allows: the server skips what it does not get and
//! prost skips what it does not know.

/// `spark.connect.ExecutePlanRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExecutePlanRequest {
    /// A UUID naming the server-side session (temporary views live there).
    #[prost(string, tag = "1")]
    pub session_id: String,
    #[prost(message, optional, tag = "2")]
    pub user_context: Option<UserContext>,
    #[prost(message, optional, tag = "3")]
    pub plan: Option<Plan>,
    #[prost(string, optional, tag = "4")]
    pub client_type: Option<String>,
}

/// `spark.connect.UserContext`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct UserContext {
    #[prost(string, tag = "1")]
    pub user_id: String,
    #[prost(string, tag = "2")]
    pub user_name: String,
}

/// `spark.connect.Plan`: only its `root` relation.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Plan {
    #[prost(oneof = "plan::OpType", tags = "1")]
    pub op_type: Option<plan::OpType>,
}

pub mod plan {
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum OpType {
        #[prost(message, tag = "1")]
        Root(super::Relation),
    }
}

/// `spark.connect.Relation`: only its `sql` kind.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Relation {
    #[prost(oneof = "relation::RelType", tags = "10")]
    pub rel_type: Option<relation::RelType>,
}

pub mod relation {
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum RelType {
        #[prost(message, tag = "10")]
        Sql(super::Sql),
    }
}

/// `spark.connect.SQL`: the text, no arguments (the compiler inlines them).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sql {
    #[prost(string, tag = "1")]
    pub query: String,
}

/// `spark.connect.ExecutePlanResponse`: one of the stream's messages.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExecutePlanResponse {
    #[prost(string, tag = "1")]
    pub session_id: String,
    #[prost(string, tag = "12")]
    pub operation_id: String,
    #[prost(oneof = "execute_plan_response::ResponseType", tags = "2, 14")]
    pub response_type: Option<execute_plan_response::ResponseType>,
}

pub mod execute_plan_response {
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum ResponseType {
        #[prost(message, tag = "2")]
        ArrowBatch(ArrowBatch),
        #[prost(message, tag = "14")]
        ResultComplete(ResultComplete),
    }

    /// Rows as an Arrow IPC stream (its schema, then record batches).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ArrowBatch {
        #[prost(int64, tag = "1")]
        pub row_count: i64,
        #[prost(bytes = "vec", tag = "2")]
        pub data: Vec<u8>,
    }

    /// The last message of a complete result.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ResultComplete {}
}

/// `spark.connect.ReleaseSessionRequest`: drops the session and its views.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ReleaseSessionRequest {
    #[prost(string, tag = "1")]
    pub session_id: String,
    #[prost(message, optional, tag = "2")]
    pub user_context: Option<UserContext>,
    #[prost(string, optional, tag = "3")]
    pub client_type: Option<String>,
}

/// `spark.connect.ReleaseSessionResponse` (nothing we read).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ReleaseSessionResponse {
    #[prost(string, tag = "1")]
    pub session_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    /// The bytes are the ones the published protos define: field 1 the
    /// session, 2 the user, 3 the plan whose root (1) is a SQL relation
    /// (10) with its query (1).
    #[test]
    fn a_sql_request_encodes_with_the_published_field_numbers() {
        let req = ExecutePlanRequest {
            session_id: "s".into(),
            user_context: Some(UserContext {
                user_id: "u".into(),
                user_name: String::new(),
            }),
            plan: Some(Plan {
                op_type: Some(plan::OpType::Root(Relation {
                    rel_type: Some(relation::RelType::Sql(Sql { query: "q".into() })),
                })),
            }),
            client_type: None,
        };
        let bytes = req.encode_to_vec();
        assert_eq!(
            bytes,
            [
                0x0a, 1, b's', // 1: session_id
                0x12, 3, 0x0a, 1, b'u', // 2: user_context { 1: user_id }
                0x1a, 7, 0x0a, 5, 0x52, 3, 0x0a, 1,
                b'q', // 3: plan { 1: root { 10: sql { 1: query } } }
            ]
        );
    }

    #[test]
    fn a_response_decodes_its_arrow_batch_and_skips_unknown_fields() {
        // 1: session_id "s", 15 (server_side_session_id, unknown here) "x",
        // 2: arrow_batch { 1: row_count 3, 2: data [7] }.
        let bytes = [0x0a, 1, b's', 0x7a, 1, b'x', 0x12, 5, 0x08, 3, 0x12, 1, 7];
        let r = ExecutePlanResponse::decode(&bytes[..]).unwrap();
        assert_eq!(r.session_id, "s");
        match r.response_type {
            Some(execute_plan_response::ResponseType::ArrowBatch(b)) => {
                assert_eq!((b.row_count, b.data), (3, vec![7]));
            }
            other => panic!("{other:?}"),
        }
    }
}
