package io.medhook.workflow.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The signer against the worked examples of the AWS specification ("Signature Calculations for the Authorization
 * Header: Transferring Payload in a Single Chunk", Amazon S3 API reference). The access key and secret are the
 * documentation's published example values, not credentials of any account.
 */
class SigV4Test {

    private static final SigV4.Key EXAMPLE = new SigV4.Key("AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3");
    private static final Instant WHEN = Instant.parse("2013-05-24T00:00:00Z");

    @Test
    void signsTheSpecificationsGetObjectExample() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Host", "examplebucket.s3.amazonaws.com");
        headers.put("Range", "bytes=0-9");
        String auth = SigV4.sign(new SigV4.Request("GET", "/test.txt", Map.of(), headers, SigV4.EMPTY_SHA256),
                EXAMPLE, WHEN);
        assertEquals("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", auth);
        assertEquals("20130524T000000Z", headers.get("x-amz-date"));
    }

    @Test
    void signsTheSpecificationsPutObjectExample() {
        byte[] body = "Welcome to Amazon S3.".getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Host", "examplebucket.s3.amazonaws.com");
        headers.put("Date", "Fri, 24 May 2013 00:00:00 GMT");
        headers.put("x-amz-storage-class", "REDUCED_REDUNDANCY");
        String auth = SigV4.sign(new SigV4.Request("PUT", "/" + SigV4.encode("test$file.text", false), Map.of(),
                headers, SigV4.sha256Hex(body)), EXAMPLE, WHEN);
        assertEquals("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
                + "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd", auth);
    }

    @Test
    void signsTheSpecificationsListObjectsExample() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Host", "examplebucket.s3.amazonaws.com");
        Map<String, String> query = new LinkedHashMap<>();
        query.put("prefix", "J");
        query.put("max-keys", "2");
        String auth = SigV4.sign(new SigV4.Request("GET", "/", query, headers, SigV4.EMPTY_SHA256), EXAMPLE, WHEN);
        assertEquals("max-keys=2&prefix=J", SigV4.canonicalQuery(query));
        assertEquals("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                + "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7", auth);
    }

    @Test
    void encodesKeysSegmentWiseAndQueryValuesCompletely() {
        assertEquals("a/b%20c/%C3%A4%2B~", SigV4.encode("a/b c/ä+~", false));
        assertEquals("a%2Fb%3D", SigV4.encode("a/b=", true));
    }
}
