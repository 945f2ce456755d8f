//! Parquet and Arrow IPC files read into a [`Table`] (cargo feature `parquet`).
//!
//! [`Table::read`] chooses by extension: `.parquet` is read as Parquet (every row group),
//! `.arrow` and `.feather` as Arrow IPC (the file format, which Feather v2 is, or the stream
//! format). The record batches are joined into one and read under CSV's rules, as
//! [`Table::from_record_batch`] reads a batch (types, missing values, refused values: module
//! [`crate::arrow_input`]). Messages name a row of a Parquet file by its row group and its
//! row within it ("data.parquet, row group 2, row 17, column 'time': value 'inf' is not a
//! finite number"), a row of an Arrow file by its record batch and row, both from 0.
//!
//! Compression: Snappy, zstd and LZ4 in Parquet (Spark's and pandas' default is Snappy), LZ4
//! and zstd in Arrow IPC (pyarrow's Feather default is LZ4); another codec is an error naming
//! it. A file that is not what its extension says, or is truncated or corrupt, is an error
//! naming the file: the whole file is read into memory first and every length its footer
//! claims is checked against the file's size before anything is allocated for it.

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_buffer::Buffer;
use arrow_ipc::reader::{FileDecoder, StreamReader, read_footer_length};
use arrow_schema::{ArrowError, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::data::DataError;
use crate::table::{RowLayout, Table};

/// The magic bytes of Parquet (start and end of the file), of the Arrow IPC file format (start,
/// padded to 8, and end) and of Feather version 1.
const PARQUET_MAGIC: &[u8] = b"PAR1";
const ARROW_MAGIC: &[u8] = b"ARROW1";
const FEATHER_V1_MAGIC: &[u8] = b"FEA1";

/// Rows per batch while decoding Parquet (the batches are joined afterwards).
const PARQUET_BATCH_ROWS: usize = 64 * 1024;

/// Reads every row group of a Parquet file.
pub(crate) fn read_parquet(path: &Path) -> Result<Table, DataError> {
    let (file, bytes) = read_file(path)?;
    if bytes.len() < 2 * PARQUET_MAGIC.len() || !bytes.starts_with(PARQUET_MAGIC) || !bytes.ends_with(PARQUET_MAGIC) {
        return Err(invalid(
            &file,
            format!(
                "not a Parquet file (it does not begin and end with 'PAR1'{}); is it truncated?",
                size(bytes.len())
            ),
        ));
    }
    let bytes = bytes::Bytes::from(bytes);
    let decoded = guarded(&file, "Parquet", || {
        let builder = ParquetRecordBatchReaderBuilder::try_new(bytes)?;
        let schema = builder.schema().clone();
        let row_counts: Vec<i64> = builder.metadata().row_groups().iter().map(|g| g.num_rows()).collect();
        let batches = builder
            .with_batch_size(PARQUET_BATCH_ROWS)
            .build()?
            .collect::<Result<Vec<RecordBatch>, ArrowError>>()?;
        Ok::<_, parquet::errors::ParquetError>((schema, row_counts, batches))
    })?;
    let (schema, row_counts, batches) =
        decoded.map_err(|e| invalid(&file, format!("not a valid Parquet file: {e}")))?;
    let mut starts = Vec::with_capacity(row_counts.len());
    let mut total: u64 = 0;
    for (group, &count) in row_counts.iter().enumerate() {
        let count = u64::try_from(count).map_err(|_| {
            invalid(
                &file,
                format!("not a valid Parquet file: row group {group} has {count} rows"),
            )
        })?;
        starts.push(total);
        total = total.saturating_add(count);
    }
    let read: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
    if read != total {
        return Err(invalid(
            &file,
            format!("not a valid Parquet file: its row groups claim {total} rows but {read} were read"),
        ));
    }
    joined(&file, &schema, &batches, RowLayout::RowGroups(starts.into()))
}

/// Reads an Arrow IPC file (the file format, Feather v2) or stream.
pub(crate) fn read_ipc(path: &Path) -> Result<Table, DataError> {
    let (file, bytes) = read_file(path)?;
    if bytes.starts_with(FEATHER_V1_MAGIC) {
        return Err(invalid(
            &file,
            "a Feather version 1 file, which cannot be read: write it again as Feather version 2 \
             (Arrow IPC, pyarrow's and R arrow's default)"
                .to_string(),
        ));
    }
    let (schema, batches) = if bytes.starts_with(ARROW_MAGIC) {
        ipc_file(&file, bytes)?
    } else {
        check_stream(&bytes).map_err(|e| {
            invalid(
                &file,
                format!("not a valid Arrow IPC file or stream (is it truncated, or another format?): {e}"),
            )
        })?;
        let stream = guarded(&file, "Arrow IPC", || {
            let reader = StreamReader::try_new(Cursor::new(bytes), None)?;
            let schema = reader.schema();
            let batches = reader.collect::<Result<Vec<RecordBatch>, ArrowError>>()?;
            Ok::<_, ArrowError>((schema, batches))
        })?;
        stream.map_err(|e| {
            invalid(
                &file,
                format!("not a valid Arrow IPC file or stream (is it truncated, or another format?): {e}"),
            )
        })?
    };
    let mut starts = Vec::with_capacity(batches.len());
    let mut total = 0u64;
    for batch in &batches {
        starts.push(total);
        total += batch.num_rows() as u64;
    }
    joined(&file, &schema, &batches, RowLayout::RecordBatches(starts.into()))
}

/// The record batches of an Arrow IPC file held in memory, every block's offset and length
/// checked against the file's size before it is read.
fn ipc_file(file: &str, bytes: Vec<u8>) -> Result<(SchemaRef, Vec<RecordBatch>), DataError> {
    let corrupt = |what: String| invalid(file, format!("not a valid Arrow IPC file ({what}); is it truncated?"));
    let len = bytes.len();
    // magic and padding (8), at least one byte of footer, footer length (4) and magic (6)
    if len < 8 + 10 {
        return Err(corrupt(format!("only {len} bytes")));
    }
    let mut trailer = [0u8; 10];
    trailer.copy_from_slice(&bytes[len - 10..]);
    let footer_len = read_footer_length(trailer).map_err(|e| corrupt(e.to_string()))?;
    let footer_start = (len - 10)
        .checked_sub(footer_len)
        .filter(|&start| start >= 8)
        .ok_or_else(|| corrupt(format!("its footer claims {footer_len} bytes{}", size(len))))?;
    let buffer = Buffer::from_vec(bytes);
    let decoded = guarded(file, "Arrow IPC", || -> Result<_, String> {
        let footer = arrow_ipc::root_as_footer(&buffer[footer_start..len - 10]).map_err(|e| e.to_string())?;
        let schema = footer.schema().ok_or("the footer has no schema")?;
        let schema = Arc::new(arrow_ipc::convert::try_fb_to_schema(schema).map_err(|e| e.to_string())?);
        let mut decoder = FileDecoder::new(schema.clone(), footer.version());
        let block_data = |block: &arrow_ipc::Block| -> Result<Buffer, String> {
            let start = usize::try_from(block.offset()).ok();
            let meta = usize::try_from(block.metaDataLength()).ok();
            let body = usize::try_from(block.bodyLength()).ok();
            match (start, meta, body) {
                // a message begins with at least 8 bytes (continuation marker and length)
                (Some(start), Some(meta), Some(body)) if meta >= 8 => {
                    let end = start.checked_add(meta).and_then(|e| e.checked_add(body));
                    match end {
                        Some(end) if end <= footer_start => {
                            let header = message_header(&buffer[start..start + meta])?
                                .ok_or_else(|| format!("the block at byte {start} is empty"))?;
                            check_buffers(&header, body)?;
                            Ok(buffer.slice_with_length(start, end - start))
                        }
                        _ => Err(format!("a block at byte {start} runs past the data")),
                    }
                }
                _ => Err(format!(
                    "a block has offset {} and lengths {} and {}",
                    block.offset(),
                    block.metaDataLength(),
                    block.bodyLength()
                )),
            }
        };
        for block in footer.dictionaries().iter().flatten() {
            decoder
                .read_dictionary(block, &block_data(block)?)
                .map_err(|e| e.to_string())?;
        }
        let mut batches = Vec::new();
        for block in footer.recordBatches().iter().flatten() {
            if let Some(batch) = decoder
                .read_record_batch(block, &block_data(block)?)
                .map_err(|e| e.to_string())?
            {
                batches.push(batch);
            }
        }
        Ok((schema as SchemaRef, batches))
    })?;
    decoded.map_err(corrupt)
}

/// The encapsulated message at the start of `bytes` (an optional continuation marker, the
/// length of the message, then the message): the message and the bytes it takes, `None` for
/// the end-of-stream marker (length 0).
fn message_header(bytes: &[u8]) -> Result<Option<(arrow_ipc::Message<'_>, usize)>, String> {
    let word = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(i32::from_le_bytes)
            .ok_or_else(|| "a message is cut short".to_string())
    };
    let prefix = if word(0)? == -1 { 4 } else { 0 };
    let length = usize::try_from(word(prefix)?).map_err(|_| "a message has a negative length".to_string())?;
    let start = prefix + 4;
    if length == 0 {
        return Ok(None);
    }
    let body = bytes
        .get(start..start.saturating_add(length))
        .ok_or_else(|| format!("a message of {length} bytes runs past the data"))?;
    let message = arrow_ipc::root_as_message(body).map_err(|e| format!("a message cannot be read: {e}"))?;
    Ok(Some((message, start + length)))
}

/// Checks that every buffer a record batch or dictionary names lies within the `body` bytes
/// that follow it (the decoder slices them without checking).
fn check_buffers(header: &(arrow_ipc::Message<'_>, usize), body: usize) -> Result<(), String> {
    let message = &header.0;
    let batch = message
        .header_as_record_batch()
        .or_else(|| message.header_as_dictionary_batch().and_then(|d| d.data()));
    for buffer in batch.iter().flat_map(|b| b.buffers()).flatten() {
        let (offset, length) = (buffer.offset(), buffer.length());
        let end = offset.checked_add(length).and_then(|end| usize::try_from(end).ok());
        if offset < 0 || length < 0 || end.is_none_or(|end| end > body) {
            return Err(format!(
                "a buffer at {offset} of {length} bytes lies outside its message's {body} bytes"
            ));
        }
    }
    Ok(())
}

/// Walks the messages of an Arrow IPC stream, checking each one's length and buffers against
/// the data before the decoder reads it.
fn check_stream(bytes: &[u8]) -> Result<(), String> {
    let mut at = 0;
    while at < bytes.len() {
        let Some(header) = message_header(&bytes[at..])? else {
            return Ok(());
        };
        let body = usize::try_from(header.0.bodyLength())
            .ok()
            .filter(|&body| body <= bytes.len() - at - header.1)
            .ok_or_else(|| format!("a message body of {} bytes runs past the data", header.0.bodyLength()))?;
        check_buffers(&header, body)?;
        at += header.1 + body;
    }
    Ok(())
}

/// One table of the batches, whose rows `layout` names.
fn joined(file: &str, schema: &SchemaRef, batches: &[RecordBatch], layout: RowLayout) -> Result<Table, DataError> {
    let batch = match batches {
        [batch] => batch.clone(),
        _ => arrow_select::concat::concat_batches(schema, batches)
            .map_err(|e| invalid(file, format!("cannot join its record batches: {e}")))?,
    };
    Table::from_record_batch_in(file, &batch, layout)
}

/// The whole file, and its name for messages.
fn read_file(path: &Path) -> Result<(String, Vec<u8>), DataError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        file: file.clone(),
        source,
    })?;
    Ok((file, bytes))
}

/// Runs a decoder over bytes from a file: a panic inside the `parquet` or `arrow-ipc` crates
/// (which some corrupt inputs have caused in them) becomes an error naming the file rather
/// than ending the program.
pub(crate) fn guarded<T>(file: &str, format: &str, decode: impl FnOnce() -> T) -> Result<T, DataError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode)).map_err(|_| {
        invalid(
            file,
            format!("not a valid {format} file: the reader failed on its contents"),
        )
    })
}

fn size(len: usize) -> String {
    format!(", and the file has {len} bytes")
}

fn invalid(file: &str, message: String) -> DataError {
    DataError::Invalid {
        file: file.to_string(),
        message,
    }
}
