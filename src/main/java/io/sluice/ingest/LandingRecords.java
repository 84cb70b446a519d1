package io.sluice.ingest;

/** The records of one landing file, read one at a time, whatever its layout. */
interface LandingRecords {
    /** The next record of the file, good or broken, or null after the last. */
    JsonRecordReader.Found next();
}
