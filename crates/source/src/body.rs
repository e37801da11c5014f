//! Reading an answer's body while it streams in, under a size cap.

/// What to do when a body is longer than the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Keep the first bytes (error bodies, quoted in messages).
    Truncate,
    /// Stop with [`BodyError::TooLarge`].
    Fail,
}

/// Why a body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Longer than the cap, with [`Overflow::Fail`].
    #[error("the body is larger than {limit} bytes")]
    TooLarge { limit: u64, received: usize },
    /// The connection failed after `received` bytes.
    #[error("reading the body failed after {received} bytes: {source}")]
    Transport {
        source: reqwest::Error,
        received: usize,
    },
}

/// Reads `response`'s body, at most `limit` bytes, chunk by chunk, so that
/// an oversized answer is never held whole.
pub async fn read_capped(
    response: &mut reqwest::Response,
    limit: u64,
    overflow: Overflow,
) -> Result<Vec<u8>, BodyError> {
    let mut body = Vec::with_capacity(
        response
            .content_length()
            .unwrap_or(0)
            .min(limit)
            .min(1 << 24) as usize,
    );
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if (body.len() + chunk.len()) as u64 > limit {
                    return match overflow {
                        Overflow::Truncate => {
                            let room = limit as usize - body.len();
                            body.extend_from_slice(&chunk[..room]);
                            Ok(body)
                        }
                        Overflow::Fail => Err(BodyError::TooLarge {
                            limit,
                            received: body.len(),
                        }),
                    };
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(source) => {
                return Err(BodyError::Transport {
                    source,
                    received: body.len(),
                });
            }
        }
    }
}
